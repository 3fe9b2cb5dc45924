import type { AlertRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeApi, json, makeAlert, problem, renderWithClient, signInAs } from "@/components/messages/test-kit";
import { StatusBadge } from "@/components/status/badges";
import { Toaster } from "@/components/ui/toaster";
import { useAlert } from "@/lib/queries/alerts";
import { useToasts } from "@/lib/toast";
import { AlertActions } from "./alert-actions";

const ALERT = makeAlert({ status: "triggered", allowed_actions: ["acknowledge", "cancel"], version: 4 });
const ALERT_PATH = `/api/v1/alerts/${ALERT.id}`;

/** The alert as the detail page shows it: its status from the query, and the actions. */
function AlertState({ role }: { role: "coordinator" | "responder" }) {
  const { data } = useAlert(ALERT.id);
  if (!data) return null;
  return (
    <>
      <StatusBadge status={data.status} />
      <AlertActions alert={data} role={role} />
      <Toaster />
    </>
  );
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

beforeEach(() => {
  useToasts.setState({ toasts: [] });
  signInAs("coordinator");
});

it("offers exactly the actions the server allows, in lifecycle order", async () => {
  fakeApi({ [`GET ${ALERT_PATH}`]: () => json({ ...ALERT, allowed_actions: ["cancel", "resolve", "dispatch"] }) });
  renderWithClient(<AlertState role="coordinator" />);
  const group = await screen.findByRole("group", { name: "Change the alert's status" });
  expect(within(group).getAllByRole("button").map((button) => button.textContent?.trim())).toEqual([
    "Dispatch",
    "Resolve",
    "Cancel alert",
  ]);
});

it("calls dispatch “En route” for a responder", async () => {
  signInAs("responder");
  fakeApi({ [`GET ${ALERT_PATH}`]: () => json({ ...ALERT, status: "acknowledged", allowed_actions: ["dispatch"] }) });
  renderWithClient(<AlertState role="responder" />);
  expect(await screen.findByRole("button", { name: "En route" })).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Dispatch" })).not.toBeInTheDocument();
});

it("says so when no action is open to the user", async () => {
  fakeApi({ [`GET ${ALERT_PATH}`]: () => json({ ...ALERT, status: "resolved", allowed_actions: [] }) });
  renderWithClient(<AlertState role="coordinator" />);
  expect(await screen.findByText(/no status changes are open to you/i)).toBeInTheDocument();
});

it("shows the new status at once and sends the note with If-Match", async () => {
  const answer = deferred<void>();
  const acknowledged: AlertRead = { ...ALERT, status: "acknowledged", version: 5, allowed_actions: ["dispatch"] };
  let current: AlertRead = ALERT;
  const api = fakeApi({
    [`GET ${ALERT_PATH}`]: () => json(current),
    [`POST ${ALERT_PATH}/acknowledge`]: async () => {
      await answer.promise;
      current = acknowledged;
      return json(acknowledged);
    },
  });
  renderWithClient(<AlertState role="coordinator" />);
  const user = userEvent.setup({ delay: null });
  await user.type(await screen.findByLabelText(/note with the next change/i), "Calling the reporter back");
  await user.click(screen.getByRole("button", { name: "Acknowledge" }));

  expect(await screen.findByText("Acknowledged", { selector: "span" })).toBeInTheDocument();
  expect(screen.getByRole("status")).toHaveTextContent("Saving: Acknowledge…");
  const [sent] = api.to("POST", `${ALERT_PATH}/acknowledge`);
  expect(sent?.headers.get("If-Match")).toBe('"4"');
  expect(sent?.body).toEqual({ note: "Calling the reporter back" });

  answer.resolve();
  expect(await screen.findByRole("button", { name: "Dispatch" })).toBeInTheDocument();
});

it("rolls back to the previous status when the server refuses", async () => {
  const answer = deferred<void>();
  let reads = 0;
  fakeApi({
    // The refetch after the failure never answers: what shows then is the rollback alone.
    [`GET ${ALERT_PATH}`]: () => (reads++ === 0 ? json(ALERT) : new Promise(() => undefined)),
    [`POST ${ALERT_PATH}/acknowledge`]: async () => {
      await answer.promise;
      return problem(409, "cannot acknowledge an alert that is cancelled", "invalid_transition");
    },
  });
  renderWithClient(<AlertState role="coordinator" />);
  const user = userEvent.setup({ delay: null });
  await user.click(await screen.findByRole("button", { name: "Acknowledge" }));
  expect(await screen.findByText("Acknowledged", { selector: "span" })).toBeInTheDocument();

  answer.resolve();
  expect(await screen.findByText("Triggered", { selector: "span" })).toBeInTheDocument();
  expect(screen.queryByText("Acknowledged", { selector: "span" })).not.toBeInTheDocument();
});

it("explains a 409 in an error toast and offers the action again", async () => {
  fakeApi({
    [`GET ${ALERT_PATH}`]: () => json(ALERT),
    [`POST ${ALERT_PATH}/acknowledge`]: () =>
      problem(409, "cannot acknowledge an alert that is cancelled", "invalid_transition"),
  });
  renderWithClient(<AlertState role="coordinator" />);
  const user = userEvent.setup({ delay: null });
  await user.click(await screen.findByRole("button", { name: "Acknowledge" }));

  const toast = await screen.findByRole("alert");
  expect(toast).toHaveTextContent("Could not acknowledge");
  expect(toast).toHaveTextContent("cannot acknowledge an alert that is cancelled The latest state is shown");
  expect(screen.getByText("Triggered", { selector: "span" })).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Acknowledge" })).toBeEnabled();
});

it("cancels only after confirming", async () => {
  const api = fakeApi({
    [`GET ${ALERT_PATH}`]: () => json(ALERT),
    [`POST ${ALERT_PATH}/cancel`]: () =>
      json({ ...ALERT, status: "cancelled", version: 5, allowed_actions: [] }),
  });
  renderWithClient(<AlertState role="coordinator" />);
  const user = userEvent.setup({ delay: null });
  await user.click(await screen.findByRole("button", { name: "Cancel alert" }));
  const dialog = await screen.findByRole("dialog", { name: "Cancel this alert?" });
  expect(api.to("POST", `${ALERT_PATH}/cancel`)).toHaveLength(0);

  await user.click(within(dialog).getByRole("button", { name: "Cancel alert" }));
  await waitFor(() => expect(api.to("POST", `${ALERT_PATH}/cancel`)).toHaveLength(1));
  expect(await screen.findByText("Alert cancelled")).toBeInTheDocument();
});
