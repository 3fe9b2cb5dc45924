import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { keys } from "@/lib/queries/keys";
import { LiveSourceProvider, POLL_MS } from "./live-source";
import { StreamSource } from "./stream-source";
import { change, fakeAuth, fakeNetwork, fakeStreamServer, READY } from "./test-kit";
import { useLiveQuery } from "./use-live-query";

const KEY = keys.alerts.list({});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
});

afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const server = fakeStreamServer();
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity, staleTime: 0 } } });
  const source = new StreamSource({ auth: fakeAuth(), network: fakeNetwork(), random: () => 0 });
  const queryFn = vi.fn(async () => ({ items: [] }));
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>
      <LiveSourceProvider source={source} queryClient={client}>
        {children}
      </LiveSourceProvider>
    </QueryClientProvider>
  );
  const hook = renderHook(() => useLiveQuery({ topic: "alerts", queryKey: KEY, queryFn }), { wrapper });
  return { server, client, queryFn, hook };
}

const tick = (milliseconds = 0) => act(() => vi.advanceTimersByTimeAsync(milliseconds));

it("registers the query under its topic", async () => {
  const { client } = setup();
  await tick();
  expect(client.getQueryCache().find({ queryKey: KEY })?.meta).toEqual({ liveTopic: "alerts" });
});

it("polls until the stream is live, then refetches only when a change concerns it", async () => {
  const { server, queryFn } = setup();
  await tick();
  expect(queryFn).toHaveBeenCalledTimes(1);
  await tick(POLL_MS.alerts);
  expect(queryFn).toHaveBeenCalledTimes(2);

  const connection = await server.nextConnection();
  connection.send("ready", READY);
  await tick();
  // Live: the data fetched before the stream opened is fetched once more, then nothing polls.
  expect(queryFn).toHaveBeenCalledTimes(3);
  await tick(4 * POLL_MS.alerts);
  expect(queryFn).toHaveBeenCalledTimes(3);

  connection.send("change", change({ topics: ["alerts"] }), "e1-1");
  await tick();
  expect(queryFn).toHaveBeenCalledTimes(4);
});

it("falls back to polling when the stream fails, and stops again once it is back", async () => {
  const { server, queryFn } = setup();
  const first = await server.nextConnection();
  first.send("ready", READY);
  await tick();
  const before = queryFn.mock.calls.length;

  server.reply({ status: 503, headers: { "Retry-After": "60" } });
  first.fail();
  await tick(POLL_MS.alerts);
  expect(queryFn.mock.calls.length).toBe(before + 1);
  await tick(POLL_MS.alerts);
  expect(queryFn.mock.calls.length).toBe(before + 2);

  // The retry after the first failure is refused with Retry-After: 60; the one after that opens the stream.
  await tick(60_000);
  const second = await server.nextConnection();
  second.send("ready", READY);
  await tick();
  const live = queryFn.mock.calls.length;
  await tick(4 * POLL_MS.alerts);
  expect(queryFn.mock.calls.length).toBe(live);
});
