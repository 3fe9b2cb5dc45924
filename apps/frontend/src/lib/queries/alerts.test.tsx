import type { AlertRead } from "@sos/contracts";
import { QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { makeAlert } from "@/components/messages/test-kit";
import { makeQueryClient } from "@/lib/query-client";
import { useAlertTransition } from "./alerts";
import { keys } from "./keys";

const ALERT = makeAlert({ allowed_actions: ["acknowledge", "cancel"] });

function setup() {
  const client = makeQueryClient();
  client.setQueryData(keys.alerts.detail(ALERT.id), ALERT);
  client.setQueryData(keys.alerts.list({}), { items: [ALERT] });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  const hook = renderHook(() => useAlertTransition(ALERT), { wrapper });
  return { client, hook };
}

const problem = (status: number) =>
  new Response(JSON.stringify({ status, title: "Refused", detail: "Someone else was first." }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });

test("a transition shows its new status before the server answers", async () => {
  let answer: (response: Response) => void = () => undefined;
  vi.stubGlobal(
    "fetch",
    vi.fn(() => new Promise<Response>((resolve) => (answer = resolve))),
  );
  const { client, hook } = setup();
  act(() => hook.result.current.mutate({ action: "acknowledge" }));
  await waitFor(() =>
    expect(client.getQueryData<AlertRead>(keys.alerts.detail(ALERT.id))?.status).toBe("acknowledged"),
  );
  answer(Response.json({ ...ALERT, status: "acknowledged", version: 2 }));
  await waitFor(() => expect(hook.result.current.isSuccess).toBe(true));
});

test("the transition sends the alert's version as If-Match", async () => {
  const fetchMock = vi.fn(async (_request: Request) => Response.json({ ...ALERT, status: "acknowledged", version: 2 }));
  vi.stubGlobal("fetch", fetchMock);
  const { hook } = setup();
  await act(() => hook.result.current.mutateAsync({ action: "acknowledge" }));
  expect(fetchMock.mock.calls[0]?.[0].headers.get("If-Match")).toBe('"1"');
});

test.each([409, 412])("a %i refusal puts the alert back as it was, in the detail and the lists", async (status) => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => problem(status)),
  );
  const { client, hook } = setup();
  await act(async () => {
    await hook.result.current.mutateAsync({ action: "acknowledge" }).catch(() => undefined);
  });
  expect(client.getQueryData<AlertRead>(keys.alerts.detail(ALERT.id))?.status).toBe("triggered");
  expect(client.getQueryData<{ items: AlertRead[] }>(keys.alerts.list({}))?.items[0]?.status).toBe("triggered");
  expect(hook.result.current.error).toMatchObject({ status });
});
