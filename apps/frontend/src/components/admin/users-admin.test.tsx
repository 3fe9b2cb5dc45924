import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { deferred, fakeApi, json, member, problem, renderWithClient, signInAs } from "./test-kit";
import { UsersAdmin } from "./users-admin";

const ADA = member({
  id: "01a21464-8441-7603-b1f6-e1b491622904",
  full_name: "Ada Admin",
  email: "admin@demo.sos.test",
  role: "admin",
  version: 2,
});
const CORA = member({
  id: "01a21464-844c-7701-a073-9daa18c3fbc1",
  full_name: "Cora Coordinator",
  email: "coordinator@demo.sos.test",
  role: "coordinator",
  version: 3,
});
const ALAN = member({
  id: "01a21464-8450-7000-a000-000000000001",
  full_name: "Alan Admin",
  email: "alan@demo.sos.test",
  role: "admin",
});
const INES = member({
  id: "01a21464-8450-7000-a000-000000000002",
  full_name: "Ines Invited",
  email: "ines@demo.sos.test",
  status: "invited",
  invitation_expires_at: "2026-12-02T20:27:41Z",
});
const DIRECTORY = { items: [ADA, CORA, ALAN, INES], next_cursor: null };

/** The first list request answers; later ones (the refetch after a write) never do, so only a rollback can restore. */
function listOnceThenHang() {
  let calls = 0;
  return () => (calls++ === 0 ? json(DIRECTORY) : new Promise<Response>(() => undefined));
}

const roleOf = (name: string) => screen.getByRole("combobox", { name: `Role of ${name}` });

beforeEach(() => signInAs(ADA.id));

test("a refused role change (412, stale version) puts the previous role back and says what happened", async () => {
  const answer = deferred();
  const api = fakeApi({ "GET /api/v1/users": listOnceThenHang(), "PATCH /api/v1/users/:id": () => answer.promise });
  renderWithClient(<UsersAdmin />);
  const user = userEvent.setup();

  await user.selectOptions(await screen.findByRole("combobox", { name: "Role of Cora Coordinator" }), "responder");
  expect(roleOf("Cora Coordinator")).toHaveValue("responder");

  answer.resolve(problem(412, "version_mismatch", "The member is at version 4, not 3; reload them and retry."));

  await waitFor(() => expect(roleOf("Cora Coordinator")).toHaveValue("coordinator"));
  const toast = await screen.findByRole("alert");
  expect(toast).toHaveTextContent("Could not change the role of Cora Coordinator");
  expect(toast).toHaveTextContent("Someone changed this record while you were looking at it");
  const [patch] = api.sent("PATCH", "/api/v1/users/:id");
  expect(patch?.headers.get("If-Match")).toBe('"3"');
  expect(await patch?.json()).toEqual({ role: "responder" });
});

test("a refused role change (409, last admin) puts the role back and shows the server's reason", async () => {
  fakeApi({
    "GET /api/v1/users": listOnceThenHang(),
    "PATCH /api/v1/users/:id": () =>
      problem(409, "last_admin", "This is the organization's last active admin; make someone else admin first."),
  });
  renderWithClient(<UsersAdmin />);
  const user = userEvent.setup();

  await user.selectOptions(await screen.findByRole("combobox", { name: "Role of Alan Admin" }), "coordinator");

  await waitFor(() => expect(roleOf("Alan Admin")).toHaveValue("admin"));
  expect(await screen.findByRole("alert")).toHaveTextContent("last active admin; make someone else admin first");
});

test("the signed-in admin cannot demote or deactivate themselves, and the row says why", async () => {
  fakeApi({ "GET /api/v1/users": () => json(DIRECTORY) });
  renderWithClient(<UsersAdmin />);

  const own = await screen.findByRole("combobox", { name: "Role of Ada Admin" });
  expect(own).toBeDisabled();
  expect(own).toHaveAccessibleDescription(/cannot change your own role or deactivate yourself/);
  expect(screen.getByRole("button", { name: "Deactivate Ada Admin" })).toBeDisabled();

  expect(roleOf("Alan Admin")).toBeEnabled();
  expect(screen.getByRole("button", { name: "Deactivate Alan Admin" })).toBeEnabled();
});

test("filters by status and searches by name or email", async () => {
  fakeApi({ "GET /api/v1/users": () => json(DIRECTORY) });
  renderWithClient(<UsersAdmin />);
  const user = userEvent.setup();
  const list = await screen.findByRole("list", { name: "Members" });
  expect(within(list).getAllByRole("listitem")).toHaveLength(4);

  await user.selectOptions(screen.getByRole("combobox", { name: "Status" }), "invited");
  expect(within(list).getAllByRole("listitem")).toHaveLength(1);
  expect(within(list).getByRole("listitem")).toHaveTextContent("Ines Invited");

  await user.selectOptions(screen.getByRole("combobox", { name: "Status" }), "");
  await user.type(screen.getByRole("searchbox", { name: "Search" }), "coordinator@");
  expect(within(list).getAllByRole("listitem")).toHaveLength(1);
  expect(screen.getByText("1 of 4 members shown")).toBeInTheDocument();
});

test("inviting a member without a password shows the one-time token once, with a copy button", async () => {
  const api = fakeApi({
    "GET /api/v1/users": () => json(DIRECTORY),
    "POST /api/v1/users": async (request) => {
      const body = (await request.json()) as { email: string; full_name: string; role: string };
      return json(
        {
          ...member({ id: "01a21464-8450-7000-a000-000000000009", ...body, role: "responder", status: "invited" }),
          invitation_expires_at: "2026-12-02T20:27:41Z",
          invitation_token: "inv_4bX9-one-time",
        },
        201,
      );
    },
  });
  renderWithClient(<UsersAdmin />);
  const user = userEvent.setup();

  await user.click(await screen.findByRole("button", { name: "Add member" }));
  const dialog = screen.getByRole("dialog", { name: "Add a member" });
  await user.type(within(dialog).getByLabelText("Email"), "noor@demo.sos.test");
  await user.type(within(dialog).getByLabelText("Full name"), "Noor Medic");
  await user.click(within(dialog).getByRole("button", { name: "Invite member" }));

  const invited = await screen.findByRole("dialog", { name: "Noor Medic is invited" });
  expect(within(invited).getByLabelText("Invitation token")).toHaveValue("inv_4bX9-one-time");
  expect(within(invited).getByText(/shown only once/)).toBeInTheDocument();
  expect(within(invited).getByRole("button", { name: "Copy token" })).toBeInTheDocument();
  expect(await api.sent("POST", "/api/v1/users")[0]?.json()).toEqual({
    email: "noor@demo.sos.test",
    full_name: "Noor Medic",
    role: "responder",
  });
});

test("deactivating asks first, explains that sessions end, and shows the server's refusal in the dialog", async () => {
  fakeApi({
    "GET /api/v1/users": () => json(DIRECTORY),
    "POST /api/v1/users/:id/deactivate": () =>
      problem(409, "last_admin", "This is the organization's last active admin; make someone else admin first."),
  });
  renderWithClient(<UsersAdmin />);
  const user = userEvent.setup();

  await user.click(await screen.findByRole("button", { name: "Deactivate Alan Admin" }));
  const dialog = screen.getByRole("dialog", { name: "Deactivate Alan Admin?" });
  expect(dialog).toHaveTextContent("sessions end within seconds");

  await user.click(within(dialog).getByRole("button", { name: "Deactivate" }));
  expect(await within(dialog).findByRole("alert")).toHaveTextContent("last active admin");
});
