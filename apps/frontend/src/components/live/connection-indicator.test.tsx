import { act, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveSourceProvider, POLL_MS, type LiveSource, type LiveStatus } from "@/lib/live/live-source";
import { StreamSource } from "@/lib/live/stream-source";
import { clientWith, fakeAuth, fakeNetwork, fakeStreamServer, READY } from "@/lib/live/test-kit";
import { ConnectionIndicator } from "./connection-indicator";

/** A live source whose status the test sets. */
function fakeSource(initial: LiveStatus): LiveSource & { set(status: LiveStatus): void } {
  let status = initial;
  const listeners = new Set<() => void>();
  return {
    name: "fake",
    refetchInterval: (topic) => (status === "live" ? false : POLL_MS[topic]),
    start: () => () => undefined,
    status: () => status,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set: (next) => {
      status = next;
      for (const listener of listeners) listener();
    },
  };
}

function renderIndicator(source: LiveSource) {
  return render(
    <LiveSourceProvider source={source} queryClient={clientWith([])}>
      <ConnectionIndicator />
    </LiveSourceProvider>,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ConnectionIndicator", () => {
  it.each([
    ["live", "Live"],
    ["stale", "Stale"],
    ["offline", "Offline"],
    ["connecting", "Connecting"],
  ] as const)("says %s in words, in its accessible name and its text", (status, label) => {
    renderIndicator(fakeSource(status));
    const indicator = screen.getByRole("status", { name: `Real-time updates: ${label}` });
    expect(indicator).toHaveTextContent(label);
  });

  it("is a polite live region, so a change of state is announced", () => {
    renderIndicator(fakeSource("live"));
    const indicator = screen.getByRole("status", { name: /Real-time updates/ });
    expect(indicator).toHaveAttribute("aria-live", "polite");
    expect(indicator).toHaveAttribute("aria-atomic", "true");
  });

  it("follows the source's status as it changes", () => {
    const source = fakeSource("live");
    renderIndicator(source);
    act(() => source.set("offline"));
    expect(screen.getByRole("status", { name: /Real-time updates/ })).toHaveTextContent(
      "Real-time updates: Offline. No live connection: the console refreshes every few seconds and reconnects on its own.",
    );
  });

  it("goes from connecting to live, to stale after two silent heartbeats, and to offline when the stream fails", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const server = fakeStreamServer();
    const source = new StreamSource({ auth: fakeAuth(), network: fakeNetwork(), random: () => 0 });
    renderIndicator(source);
    const indicator = screen.getByRole("status", { name: /Real-time updates/ });
    expect(indicator).toHaveAttribute("data-live-status", "connecting");

    const connection = await server.nextConnection();
    await act(async () => {
      connection.send("ready", READY);
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(indicator).toHaveAttribute("data-live-status", "live");

    await act(() => vi.advanceTimersByTimeAsync(2 * READY.heartbeat_seconds * 1000));
    expect(indicator).toHaveAttribute("data-live-status", "stale");

    server.reply("network-error");
    await act(async () => {
      connection.fail();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(indicator).toHaveAttribute("data-live-status", "offline");
    expect(indicator).toHaveAccessibleName("Real-time updates: Offline");
  });
});
