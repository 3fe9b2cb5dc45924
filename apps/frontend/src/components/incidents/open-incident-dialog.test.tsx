import type { MemberRead } from "@sos/contracts";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import { fakeApi, json, makeAlert, ORG_ID, problem, renderWithClient, signInAs } from "@/components/messages/test-kit";
import { Toaster } from "@/components/ui/toaster";
import { useToasts } from "@/lib/toast";
import { OpenIncidentForm } from "./open-incident-dialog";

const CORA = "01a21464-e5df-7719-84ff-9c4dd2835022";
const ALERT = makeAlert({ id: "01a21464-e651-7a87-ae67-5f4ad0c4c4e7", status: "triggered", category: "accident" });

const member = (id: string, full_name: string, role: MemberRead["role"]): MemberRead => ({
  id,
  organization_id: ORG_ID,
  email: `${full_name.split(" ")[0]?.toLowerCase()}@demo.sos.test`,
  full_name,
  phone: null,
  role,
  status: "active",
  created_at: "2026-11-25T10:00:00Z",
  updated_at: "2026-11-25T10:00:00Z",
  deactivated_at: null,
  invitation_expires_at: null,
  last_login_at: null,
  version: 1,
});

const OPENED = {
  id: "01a21464-e6d3-735a-97a3-03a34cd845c2",
  organization_id: ORG_ID,
  title: "Oberbaum Bridge",
  summary: null,
  severity: "critical",
  status: "open",
  commander_id: CORA,
  created_by_id: CORA,
  created_at: "2026-11-25T10:05:00Z",
  updated_at: "2026-11-25T10:05:00Z",
  resolved_at: null,
  version: 1,
  alert_ids: [ALERT.id],
  allowed_actions: ["resolve"],
};

function serve(open = () => json(OPENED, 201)) {
  return fakeApi({
    "GET /api/v1/users": () =>
      json({
        items: [member(CORA, "Cora Coordinator", "coordinator"), member("01a21464-0000-7000-8000-0000000000c9", "Rita Reporter", "reporter")],
        next_cursor: null,
      }),
    "GET /api/v1/alerts": () => json({ items: [ALERT], next_cursor: null }),
    "GET /api/v1/incidents": () => json({ items: [], next_cursor: null }),
    "POST /api/v1/incidents": open,
  });
}

beforeEach(() => {
  signInAs("coordinator");
  useToasts.setState({ toasts: [] });
});

it("asks for a title before sending anything", async () => {
  const api = serve();
  renderWithClient(<OpenIncidentForm onOpened={vi.fn()} />);
  const user = userEvent.setup({ delay: null });
  await user.click(screen.getByRole("button", { name: "Open incident" }));
  expect(await screen.findByText(/Give the incident a title/)).toBeInTheDocument();
  expect(screen.getByLabelText("Title")).toHaveFocus();
  expect(screen.getByLabelText("Title")).toHaveAttribute("aria-invalid", "true");
  expect(api.to("POST", "/api/v1/incidents")).toHaveLength(0);
});

it("offers only people who may command", async () => {
  serve();
  renderWithClient(<OpenIncidentForm onOpened={vi.fn()} />);
  const commander = screen.getByLabelText("Commander");
  await screen.findByRole("option", { name: "Cora Coordinator — Coordinator" });
  expect(screen.queryByRole("option", { name: /Rita Reporter/ })).not.toBeInTheDocument();
  expect(commander).toHaveValue("");
});

it("opens the incident with its commander and the picked alerts", async () => {
  const api = serve();
  const onOpened = vi.fn();
  renderWithClient(<OpenIncidentForm onOpened={onOpened} />);
  const user = userEvent.setup({ delay: null });
  await user.type(screen.getByLabelText("Title"), "  Oberbaum Bridge ");
  await user.selectOptions(screen.getByLabelText("Commander"), await screen.findByRole("option", { name: /Cora/ }));
  await user.click(await screen.findByRole("checkbox", { name: /Accident/ }));
  await user.click(screen.getByRole("button", { name: "Open incident" }));

  await waitFor(() => expect(onOpened).toHaveBeenCalledWith(OPENED.id));
  expect(api.to("POST", "/api/v1/incidents")[0]?.body).toEqual({
    title: "Oberbaum Bridge",
    commander_id: CORA,
    alert_ids: [ALERT.id],
  });
});

it("keeps the form and explains when the server refuses", async () => {
  serve(() => problem(422, "commander_id: not an active member of this organization", "validation_failed"));
  const onOpened = vi.fn();
  renderWithClient(
    <>
      <OpenIncidentForm onOpened={onOpened} />
      <Toaster />
    </>,
  );
  const user = userEvent.setup({ delay: null });
  await user.type(screen.getByLabelText("Title"), "Flood");
  await user.click(screen.getByRole("button", { name: "Open incident" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("Could not open the incident");
  expect(screen.getByLabelText("Title")).toHaveValue("Flood");
  expect(onOpened).not.toHaveBeenCalled();
});
