import type { TeamMemberRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { TeamsAdmin } from "./teams-admin";
import { fakeApi, json, member, problem, renderWithClient, signInAs, team, teamMember } from "./test-kit";

const BERLIN = team({ id: "01a21464-846d-7576-9731-7d310f28c841", name: "Berlin Operations" });
const MITTE = team({ id: "01a21464-846f-7f29-8f47-f7eb3f3e2e64", name: "Mitte Rapid Response", parent_id: BERLIN.id });
const KREUZBERG = team({
  id: "01a21464-8470-7aa4-bab6-bc741cb17c66",
  name: "Kreuzberg Medical",
  parent_id: BERLIN.id,
  version: 4,
});
const HAMBURG = team({ id: "01a21464-8480-7000-a000-000000000001", name: "Hamburg Port" });
const DIVERS = team({ id: "01a21464-8480-7000-a000-000000000002", name: "Harbour Divers", parent_id: HAMBURG.id });
const TEAMS = { items: [BERLIN, MITTE, KREUZBERG, HAMBURG, DIVERS], next_cursor: null };

const ADA = member({
  id: "01a21464-8441-7603-b1f6-e1b491622904",
  full_name: "Ada Admin",
  email: "admin@demo.sos.test",
  role: "admin",
});
const MIA = member({
  id: "01a21464-8460-7000-a000-000000000001",
  full_name: "Mia Paramedic",
  email: "mia@demo.sos.test",
});
const CORA = member({
  id: "01a21464-844c-7701-a073-9daa18c3fbc1",
  full_name: "Cora Coordinator",
  email: "coordinator@demo.sos.test",
  role: "coordinator",
});
const RITA = member({
  id: "01a21464-8456-7309-9028-70c8cabc51aa",
  full_name: "Rita Reporter",
  email: "reporter@demo.sos.test",
  role: "reporter",
});
const GONE = member({
  id: "01a21464-8460-7000-a000-000000000002",
  full_name: "Gus Gone",
  email: "gus@demo.sos.test",
  status: "deactivated",
});
const TOM = member({ id: "01a21464-8460-7000-a000-000000000003", full_name: "Tom Diver", email: "tom@demo.sos.test" });

const inBerlin = [
  teamMember({ team_id: BERLIN.id, user_id: TOM.id, full_name: TOM.full_name, email: TOM.email, role: "lead" }),
];

function serve(extra: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    "GET /api/v1/teams": () => json(TEAMS),
    "GET /api/v1/teams/:id/members": (_request, { id }) => json(id === BERLIN.id ? inBerlin : []),
    "GET /api/v1/users": () => json({ items: [ADA, MIA, CORA, RITA, GONE, TOM], next_cursor: null }),
    "GET /api/v1/teams/:id/dispatch-settings": (_request, { id }) =>
      json({
        team_id: id,
        mode: "suggest",
        offer_timeout_seconds: 60,
        required_skills: [],
        max_offers: 10,
        radius_km: 50,
        updated_at: null,
        version: 0,
      }),
    ...extra,
  });
}

const item = (name: string) => screen.getByRole("treeitem", { name });

beforeEach(() => signInAs(ADA.id));

test("the hierarchy is a tree: arrow keys move through the visible teams, Home and End jump", async () => {
  serve();
  renderWithClient(<TeamsAdmin />);
  const user = userEvent.setup();
  const tree = await screen.findByRole("tree", { name: "Teams" });
  expect(item("Berlin Operations")).toHaveAttribute("aria-level", "1");
  expect(item("Kreuzberg Medical")).toHaveAttribute("aria-level", "2");

  await user.tab();
  await user.tab();
  expect(item("Berlin Operations")).toHaveFocus();
  expect(
    within(tree)
      .getAllByRole("treeitem")
      .filter((each) => each.tabIndex === 0),
  ).toHaveLength(1);

  await user.keyboard("{ArrowDown}");
  expect(item("Kreuzberg Medical")).toHaveFocus();
  await user.keyboard("{ArrowDown}{ArrowDown}");
  expect(item("Hamburg Port")).toHaveFocus();
  await user.keyboard("{End}");
  expect(item("Harbour Divers")).toHaveFocus();
  await user.keyboard("{Home}");
  expect(item("Berlin Operations")).toHaveFocus();
  await user.keyboard("h");
  expect(item("Hamburg Port")).toHaveFocus();
});

test("Left closes a team or goes to its parent, Right opens it or goes to its first sub-team", async () => {
  serve();
  renderWithClient(<TeamsAdmin />);
  const user = userEvent.setup();
  await screen.findByRole("tree", { name: "Teams" });
  await user.click(item("Harbour Divers"));

  await user.keyboard("{ArrowLeft}");
  expect(item("Hamburg Port")).toHaveFocus();
  await user.keyboard("{ArrowLeft}");
  expect(item("Hamburg Port")).toHaveAttribute("aria-expanded", "false");
  expect(screen.queryByRole("treeitem", { name: "Harbour Divers" })).not.toBeInTheDocument();

  await user.keyboard("{ArrowRight}");
  expect(item("Hamburg Port")).toHaveAttribute("aria-expanded", "true");
  await user.keyboard("{ArrowRight}");
  expect(item("Harbour Divers")).toHaveFocus();
});

test("Enter selects the focused team and shows its members", async () => {
  serve();
  renderWithClient(<TeamsAdmin />);
  const user = userEvent.setup();
  await screen.findByRole("tree", { name: "Teams" });
  await user.click(item("Hamburg Port"));
  await user.keyboard("{Home}{Enter}");

  expect(item("Berlin Operations")).toHaveAttribute("aria-selected", "true");
  expect(screen.getByRole("heading", { level: 2, name: "Berlin Operations" })).toBeInTheDocument();
  const members = await screen.findByRole("list", { name: /Members/ });
  expect(members).toHaveTextContent("Tom Diver");
});

test("moving a team offers no parent below itself, and shows the server's cycle refusal at the parent field", async () => {
  serve({
    "PATCH /api/v1/teams/:id": () =>
      problem(409, "team_cycle", "A team cannot sit below itself or one of its own sub-teams."),
  });
  renderWithClient(<TeamsAdmin />);
  const user = userEvent.setup();
  await screen.findByRole("tree", { name: "Teams" });
  await user.click(item("Berlin Operations"));
  await user.click(screen.getByRole("button", { name: "Rename or move" }));

  const dialog = screen.getByRole("dialog", { name: "Edit Berlin Operations" });
  const parent = within(dialog).getByRole("combobox", { name: "Parent team" });
  const offered = within(parent)
    .getAllByRole("option")
    .map((option) => option.textContent?.trim());
  expect(offered).toEqual(["None (top-level team)", "Hamburg Port", "Harbour Divers"]);

  await user.selectOptions(parent, HAMBURG.id);
  await user.click(within(dialog).getByRole("button", { name: "Save" }));

  expect(
    await within(dialog).findByText("A team cannot sit below itself or one of its own sub-teams."),
  ).toBeInTheDocument();
  expect(parent).toHaveAttribute("aria-invalid", "true");
  expect(parent).toHaveAccessibleDescription(/cannot sit below itself or one of its own sub-teams/);
});

test("adding a member offers only active responders and coordinators not yet in the team", async () => {
  let members: TeamMemberRead[] = [];
  const api = serve({
    "GET /api/v1/teams/:id/members": () => json(members),
    "PUT /api/v1/teams/:teamId/members/:userId": async (request, { teamId = "", userId = "" }) => {
      const { role } = (await request.json()) as { role: "lead" | "member" };
      members = [teamMember({ team_id: teamId, user_id: userId, full_name: MIA.full_name, email: MIA.email, role })];
      return json(members[0], 201);
    },
  });
  renderWithClient(<TeamsAdmin />);
  const user = userEvent.setup();
  await screen.findByRole("tree", { name: "Teams" });
  await user.click(item("Harbour Divers"));
  await screen.findByText("Nobody is in this team yet");

  const person = screen.getByRole("combobox", { name: "Person" });
  await waitFor(() => expect(within(person).getAllByRole("option")).toHaveLength(4));
  expect(
    within(person)
      .getAllByRole("option")
      .map((option) => option.textContent),
  ).toEqual([
    "Choose a person",
    "Cora Coordinator (coordinator)",
    "Mia Paramedic (responder)",
    "Tom Diver (responder)",
  ]);

  await user.selectOptions(person, MIA.id);
  await user.selectOptions(screen.getAllByRole("combobox", { name: "Team role" }).at(-1)!, "lead");
  await user.click(screen.getByRole("button", { name: "Add" }));

  expect(await screen.findByRole("list", { name: /Members/ })).toHaveTextContent("Mia Paramedic");
  const [put] = api.sent("PUT", "/api/v1/teams/:teamId/members/:userId");
  expect(new URL(put!.url).pathname).toBe(`/api/v1/teams/${DIVERS.id}/members/${MIA.id}`);
  expect(await put!.json()).toEqual({ role: "lead" });
});

test("a team with sub-teams cannot be deleted: the dialog says to move or delete them first", async () => {
  const api = serve();
  renderWithClient(<TeamsAdmin />);
  const user = userEvent.setup();
  await screen.findByRole("tree", { name: "Teams" });
  await user.click(item("Berlin Operations"));
  await user.click(screen.getByRole("button", { name: "Delete" }));

  const dialog = screen.getByRole("dialog", { name: "Delete Berlin Operations?" });
  expect(dialog).toHaveTextContent("move them to another parent or delete them first");
  expect(within(dialog).getByRole("button", { name: "Delete team" })).toBeDisabled();
  expect(api.sent("DELETE", "/api/v1/teams/:id")).toHaveLength(0);
});
