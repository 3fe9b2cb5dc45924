import type { AssignmentRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeApi, json, makeAlert, makeResponder, ME, renderWithClient, signInAs } from "@/components/messages/test-kit";
import { usePeople } from "@/lib/queries/responders";
import { AssignmentsPanel } from "./assignments-panel";
import { rankResponders } from "./assign-dialog";

const ALERT = makeAlert({ status: "acknowledged", lat: 52.52, lon: 13.405 });
const TEAM_ID = "01a21464-0000-7000-8000-0000000000d1";
const MIA = "01a21464-0000-7000-8000-0000000000e1";
const CORA = "01a21464-0000-7000-8000-0000000000c1";

const assignment = (overrides: Partial<AssignmentRead>): AssignmentRead => ({
  id: "01a21464-0000-7000-8000-0000000000f1",
  alert_id: ALERT.id,
  responder_id: null,
  team_id: null,
  assigned_by_id: CORA,
  assigned_at: new Date(Date.now() - 5 * 60_000).toISOString(),
  ...overrides,
});

const ASSIGNMENTS = [
  assignment({ id: "01a21464-0000-7000-8000-0000000000f1", responder_id: MIA }),
  assignment({ id: "01a21464-0000-7000-8000-0000000000f2", team_id: TEAM_ID }),
];

const TEAM = {
  id: TEAM_ID,
  organization_id: ALERT.organization_id,
  name: "Kreuzberg Medical",
  description: null,
  parent_id: null,
  created_at: ALERT.created_at,
  updated_at: ALERT.created_at,
  version: 1,
};

const member = (id: string, full_name: string, role: "coordinator" | "responder") => ({
  id,
  organization_id: ALERT.organization_id,
  email: `${id}@demo.sos.test`,
  full_name,
  phone: null,
  role,
  status: "active",
  created_at: ALERT.created_at,
  updated_at: ALERT.created_at,
  deactivated_at: null,
  invitation_expires_at: null,
  last_login_at: null,
  version: 1,
});

function Panel({ canManage }: { canManage: boolean }) {
  const people = usePeople();
  return <AssignmentsPanel alert={ALERT} people={people} canManage={canManage} />;
}

it("lets staff remove an assignment, named by person and team", async () => {
  signInAs("coordinator", CORA);
  let assignments = ASSIGNMENTS;
  const api = fakeApi({
    [`GET /api/v1/alerts/${ALERT.id}/assignments`]: () => json(assignments),
    [`DELETE /api/v1/alerts/${ALERT.id}/assignments/${ASSIGNMENTS[0]!.id}`]: () => {
      assignments = ASSIGNMENTS.slice(1);
      return { status: 204 };
    },
    "GET /api/v1/teams": () => json({ items: [TEAM], next_cursor: null }),
    "GET /api/v1/users": () =>
      json({ items: [member(MIA, "Mia Paramedic", "responder"), member(CORA, "Cora Coordinator", "coordinator")], next_cursor: null }),
  });
  renderWithClient(<Panel canManage />);
  expect(await screen.findByText("Mia Paramedic")).toBeInTheDocument();
  expect(await screen.findByText("Kreuzberg Medical")).toBeInTheDocument();
  expect(screen.getAllByText(/by Cora Coordinator \(you\)/)).toHaveLength(2);

  await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Remove Mia Paramedic" }));
  await waitFor(() => expect(screen.queryByText("Mia Paramedic")).not.toBeInTheDocument());
  expect(api.to("DELETE", `/api/v1/alerts/${ALERT.id}/assignments/${ASSIGNMENTS[0]!.id}`)).toHaveLength(1);
  expect(screen.getByRole("button", { name: "Assign" })).toBeInTheDocument();
});

it("shows a responder the assignments without any way to change them", async () => {
  signInAs("responder", ME);
  const api = fakeApi({
    [`GET /api/v1/alerts/${ALERT.id}/assignments`]: () => json([...ASSIGNMENTS, assignment({ id: "01a21464-0000-7000-8000-0000000000f3", responder_id: ME })]),
    "GET /api/v1/teams": () => json({ items: [TEAM], next_cursor: null }),
  });
  renderWithClient(<Panel canManage={false} />);
  const list = await screen.findByRole("list");
  expect(await within(list).findByText("Kreuzberg Medical")).toBeInTheDocument();
  expect(within(list).getByText("Another responder")).toBeInTheDocument();
  expect(within(list).getByText("You")).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: /Remove/ })).not.toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Assign" })).not.toBeInTheDocument();
  // Responders may not list members: the console does not ask.
  expect(api.to("GET", "/api/v1/users")).toHaveLength(0);
});

describe("rankResponders", () => {
  it("offers available responders first, nearest first, then the rest", () => {
    const near = makeResponder({ user_id: "near", full_name: "Near", last_location: { lat: 52.521, lon: 13.405, accuracy_m: 10, recorded_at: ALERT.created_at } });
    const far = makeResponder({ user_id: "far", full_name: "Far", last_location: { lat: 52.6, lon: 13.5, accuracy_m: 10, recorded_at: ALERT.created_at } });
    const unknown = makeResponder({ user_id: "unknown", full_name: "Unknown", last_location: null });
    const busyNear = makeResponder({ user_id: "busy", full_name: "Busy", availability: "busy", last_location: { lat: 52.52, lon: 13.405, accuracy_m: 5, recorded_at: ALERT.created_at } });
    const ranked = rankResponders([unknown, busyNear, far, near], ALERT);
    expect(ranked.map((candidate) => candidate.responder.user_id)).toEqual(["near", "far", "unknown", "busy"]);
    expect(Math.round(ranked[0]!.distance!)).toBe(111);
  });
});
