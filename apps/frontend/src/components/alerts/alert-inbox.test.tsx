import type { AlertRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeApi, json, makeAlert, renderWithClient, signInAs, type Recorded } from "@/components/messages/test-kit";
import { AlertInbox } from "./alert-inbox";

const INCIDENT_ID = "01a21464-e6d3-735a-97a3-03a34cd845c2";
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const ALERTS: AlertRead[] = [
  makeAlert({ id: "01a21464-0000-7000-8000-000000000a01", status: "resolved", severity: "critical", category: "fire", created_at: minutesAgo(1) }),
  makeAlert({ id: "01a21464-0000-7000-8000-000000000a02", status: "triggered", severity: "low", category: "other", created_at: minutesAgo(2) }),
  makeAlert({ id: "01a21464-0000-7000-8000-000000000a03", status: "acknowledged", severity: "critical", category: "medical", created_at: minutesAgo(40), note: "Man collapsed at the Brandenburg Gate", incident_id: INCIDENT_ID }),
  makeAlert({ id: "01a21464-0000-7000-8000-000000000a04", status: "triggered", severity: "high", category: "accident", created_at: minutesAgo(3) }),
];

/** Answers like the API: filtered by the status and severity parameters, newest first. */
function listAlerts(request: Recorded) {
  const statuses = request.search.getAll("status");
  const severities = request.search.getAll("severity");
  const items = ALERTS.filter(
    (alert) =>
      (!statuses.length || statuses.includes(alert.status)) && (!severities.length || severities.includes(alert.severity)),
  );
  return json({ items, next_cursor: null });
}

function serve(alerts: (request: Recorded) => ReturnType<typeof json> = listAlerts) {
  return fakeApi({
    "GET /api/v1/alerts": alerts,
    "GET /api/v1/incidents": () =>
      json({ items: [{ id: INCIDENT_ID, title: "Tiergarten mass gathering", status: "open" }], next_cursor: null }),
  });
}

const rows = async () => {
  const list = await screen.findByRole("list", { name: "Alerts, most urgent first" });
  return within(list).getAllByRole("listitem");
};

beforeEach(() => signInAs("coordinator"));

it("lists open alerts most severe first, then newest, with their incident", async () => {
  serve();
  renderWithClient(<AlertInbox />);
  const items = await rows();
  expect(items.map((item) => within(item).getAllByRole("link")[0]?.textContent)).toEqual([
    expect.stringMatching(/^Medical alert, Critical, Acknowledged/),
    expect.stringMatching(/^Accident alert, High, Triggered/),
    expect.stringMatching(/^Other alert, Low, Triggered/),
  ]);
  expect(within(items[0]!).getByRole("link", { name: /Incident: Tiergarten mass gathering/ })).toHaveAttribute(
    "href",
    // next/link drops the trailing slash outside a Next build (trailingSlash is a build setting).
    expect.stringMatching(new RegExp(`^/incidents/view/?\\?id=${INCIDENT_ID}$`)),
  );
  expect(within(items[0]!).getByText("Man collapsed at the Brandenburg Gate")).toBeInTheDocument();
  expect(within(items[0]!).getByText("52.5200, 13.4050")).toBeInTheDocument();
});

it("links each row to the alert's page", async () => {
  serve();
  renderWithClient(<AlertInbox />);
  const [first] = await rows();
  expect(within(first!).getAllByRole("link")[0]).toHaveAttribute(
    "href",
    expect.stringMatching(/^\/alerts\/view\/?\?id=01a21464-0000-7000-8000-000000000a03$/),
  );
});

it("counts alerts per status on the status filters", async () => {
  serve();
  renderWithClient(<AlertInbox />);
  expect(await screen.findByRole("checkbox", { name: /Triggered\s*,\s*2/ })).toBeInTheDocument();
  expect(screen.getByRole("checkbox", { name: /Acknowledged\s*,\s*1/ })).toBeInTheDocument();
  expect(screen.getByText(/open alerts/)).toHaveTextContent("3 open alerts");
});

it("asks the API for the picked severity", async () => {
  const api = serve();
  renderWithClient(<AlertInbox />);
  await rows();
  await userEvent.setup({ delay: null }).click(screen.getByRole("checkbox", { name: "Critical" }));
  await waitFor(() =>
    expect(api.to("GET", "/api/v1/alerts").some((call) => call.search.getAll("severity").join() === "critical")).toBe(true),
  );
  await waitFor(async () => expect(await rows()).toHaveLength(1));
});

it("shows resolved and cancelled alerts after the open ones when asked", async () => {
  const api = serve();
  renderWithClient(<AlertInbox />);
  await rows();
  await userEvent.setup({ delay: null }).click(screen.getByRole("checkbox", { name: "Show resolved and cancelled" }));
  await waitFor(async () => expect(await rows()).toHaveLength(4));
  const last = (await rows()).at(-1)!;
  expect(within(last).getAllByRole("link")[0]).toHaveTextContent(/^Fire alert, Critical, Resolved/);
  expect(api.to("GET", "/api/v1/alerts").at(-1)?.search.getAll("status")).toContain("resolved");
});

it("moves between rows with the arrow keys", async () => {
  serve();
  renderWithClient(<AlertInbox />);
  const items = await rows();
  const first = within(items[0]!).getAllByRole("link")[0]!;
  const second = within(items[1]!).getAllByRole("link")[0]!;
  first.focus();
  const user = userEvent.setup({ delay: null });
  await user.keyboard("{ArrowDown}");
  expect(second).toHaveFocus();
  await user.keyboard("{End}");
  expect(within(items[2]!).getAllByRole("link")[0]).toHaveFocus();
  await user.keyboard("{Home}");
  expect(first).toHaveFocus();
});

it("says that there are no open alerts and that the list refreshes itself", async () => {
  serve(() => json({ items: [], next_cursor: null }));
  renderWithClient(<AlertInbox />);
  expect(await screen.findByText("No open alerts")).toBeInTheDocument();
  expect(screen.getByText(/refreshes on its own/)).toBeInTheDocument();
});

it("shows an error with a retry when the first load fails", async () => {
  fakeApi({ "GET /api/v1/alerts": () => "network-error", "GET /api/v1/incidents": () => "network-error" });
  renderWithClient(<AlertInbox />);
  expect(await screen.findByRole("button", { name: "Try again" })).toBeInTheDocument();
  expect(screen.getByText(/offline or the server is unreachable/)).toBeInTheDocument();
});
