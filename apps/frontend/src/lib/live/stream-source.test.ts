import type { PageResponderRead } from "@sos/contracts";
import type { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { makeResponder } from "@/components/messages/test-kit";
import { keys } from "@/lib/queries/keys";
import { POLL_MS } from "./live-source";
import { StreamSource, TIMELINE_FOLLOW_UP_MS } from "./stream-source";
import {
  ALERT_A,
  change,
  clientWith,
  fakeAuth,
  fakeNetwork,
  fakeStreamServer,
  invalidated,
  READY,
  RESPONDER,
  type StreamConnection,
} from "./test-kit";

/** Lets the stream's reads and the promises behind them run (with or without fake timers). */
async function flush(): Promise<void> {
  for (let round = 0; round < 20; round++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

let stops: Array<() => void> = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});

afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
  vi.useRealTimers();
});

function setup(options: { client?: QueryClient; random?: () => number; online?: boolean } = {}) {
  const server = fakeStreamServer();
  const auth = fakeAuth();
  const network = fakeNetwork(options.online ?? true);
  const client = options.client ?? clientWith([]);
  const source = new StreamSource({ auth, network, random: options.random ?? (() => 1) });
  const statuses: string[] = [];
  source.subscribe(() => statuses.push(source.status()));
  stops.push(source.start(client));
  return { server, auth, network, client, source, statuses };
}

async function goLive(server: ReturnType<typeof fakeStreamServer>): Promise<StreamConnection> {
  const connection = await server.nextConnection();
  connection.send("ready", READY);
  await flush();
  return connection;
}

describe("connecting", () => {
  it("opens the stream with the session's bearer token", async () => {
    const { server } = setup();
    const connection = await server.nextConnection();
    expect(connection.url).toBe("/api/v1/stream");
    expect(connection.headers.get("Authorization")).toBe("Bearer token-1");
    expect(connection.headers.get("Accept")).toBe("text/event-stream");
    expect(connection.headers.has("Last-Event-ID")).toBe(false);
  });

  it("is live once the server says ready, and stops polling then", async () => {
    const { server, source } = setup();
    expect(source.status()).toBe("connecting");
    expect(source.refetchInterval("alerts")).toBe(POLL_MS.alerts);
    await goLive(server);
    expect(source.status()).toBe("live");
    expect(source.refetchInterval("alerts")).toBe(false);
  });

  it("does not connect while nobody is signed in, and connects when someone signs in", async () => {
    const server = fakeStreamServer();
    const auth = fakeAuth(null);
    const source = new StreamSource({ auth, network: fakeNetwork(), random: () => 1 });
    stops.push(source.start(clientWith([])));
    await flush();
    expect(server.fetchMock).not.toHaveBeenCalled();
    auth.signInAs("user-2");
    await goLive(server);
    expect(source.status()).toBe("live");
  });

  it("refetches what was fetched before the first connection could report changes", async () => {
    const client = clientWith([{ key: keys.alerts.list({}), topic: "alerts", data: { items: [] } }]);
    const { server } = setup({ client });
    await vi.advanceTimersByTimeAsync(5);
    await goLive(server);
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
  });
});

describe("changes", () => {
  it("marks stale the queries of the change's topics", async () => {
    const client = clientWith([
      { key: keys.alerts.list({}), topic: "alerts", data: { items: [] } },
      { key: keys.teams.list, topic: "directory", data: [] },
    ]);
    const { server } = setup({ client });
    const connection = await goLive(server);
    client.setQueryData(keys.alerts.list({}), { items: [] });
    client.setQueryData(keys.teams.list, []);
    connection.send("change", change({ topics: ["alerts"] }), "e1-1");
    await flush();
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
    expect(invalidated(client, keys.teams.list)).toBe(false);
  });

  it("moves a responder's position in the cache without refetching the list", async () => {
    const client = clientWith([
      {
        key: keys.responders.list({}),
        topic: "responders",
        data: { items: [makeResponder({ user_id: RESPONDER })], next_cursor: null },
      },
    ]);
    const { server } = setup({ client });
    const connection = await goLive(server);
    client.setQueryData<PageResponderRead>(keys.responders.list({}), (page) => page);
    connection.send(
      "change",
      change({
        type: "responder.location_recorded",
        topics: ["locations", "responders"],
        aggregate_type: "responder",
        alert_id: null,
        data: { user_id: RESPONDER, lat: 52.53, lon: 13.41, accuracy_m: 8, recorded_at: "2026-11-25T10:01:00Z" },
      }),
      "e1-2",
    );
    await flush();
    const page = client.getQueryData<PageResponderRead>(keys.responders.list({}));
    expect(page?.items[0]?.last_location).toMatchObject({ lat: 52.53, lon: 13.41, accuracy_m: 8 });
    expect(invalidated(client, keys.responders.list({}))).toBe(false);
  });

  it("refetches the timeline once more shortly after, when its projection may have lagged", async () => {
    const client = clientWith([{ key: keys.alerts.timeline(ALERT_A), topic: "timeline", data: { items: [] } }]);
    const { server } = setup({ client });
    const connection = await goLive(server);
    client.setQueryData(keys.alerts.timeline(ALERT_A), { items: [] });
    connection.send("change", change({ topics: ["timeline"] }), "e1-3");
    await flush();
    expect(invalidated(client, keys.alerts.timeline(ALERT_A))).toBe(true);
    client.setQueryData(keys.alerts.timeline(ALERT_A), { items: ["refetched"] });
    await vi.advanceTimersByTimeAsync(TIMELINE_FOLLOW_UP_MS);
    expect(invalidated(client, keys.alerts.timeline(ALERT_A))).toBe(true);
  });

  it("refetches everything on resync", async () => {
    const client = clientWith([
      { key: keys.alerts.list({}), topic: "alerts", data: { items: [] } },
      { key: keys.users.me, topic: "directory", data: {} },
    ]);
    const { server } = setup({ client });
    const connection = await goLive(server);
    client.setQueryData(keys.alerts.list({}), { items: [] });
    client.setQueryData(keys.users.me, {});
    connection.send("resync", { reason: "gap" });
    await flush();
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
    expect(invalidated(client, keys.users.me)).toBe(true);
  });

  it("ignores a change it cannot read and keeps going", async () => {
    const client = clientWith([{ key: keys.alerts.list({}), topic: "alerts", data: { items: [] } }]);
    const { server, source } = setup({ client });
    const connection = await goLive(server);
    client.setQueryData(keys.alerts.list({}), { items: [] });
    connection.write("event: change\nid: e1-4\ndata: {not json\n\n");
    connection.send("change", change({ topics: ["alerts"] }), "e1-5");
    await flush();
    expect(source.status()).toBe("live");
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
    expect(source.cursor).toBe("e1-5");
  });
});

describe("reconnecting", () => {
  it("resumes from the last change it saw with Last-Event-ID after the stream ends", async () => {
    const { server } = setup();
    const first = await goLive(server);
    first.send("change", change(), "e1-7");
    await flush();
    first.end();
    await flush();
    await vi.advanceTimersByTimeAsync(1_000);
    const second = await server.nextConnection();
    expect(second.headers.get("Last-Event-ID")).toBe("e1-7");
  });

  it("is connecting, not live, while it waits to reconnect after the stream ends", async () => {
    const { server, statuses } = setup();
    const first = await goLive(server);
    first.end();
    await flush();
    expect(statuses).toEqual(["live", "connecting"]);
    await vi.advanceTimersByTimeAsync(1_000);
    await goLive(server);
    expect(statuses).toEqual(["live", "connecting", "live"]);
  });

  it("does not refetch everything after a seamless resume", async () => {
    const client = clientWith([{ key: keys.alerts.list({}), topic: "alerts", data: { items: [] } }]);
    const { server } = setup({ client });
    const first = await goLive(server);
    first.send("change", change({ topics: [] }), "e1-8");
    first.end();
    client.setQueryData(keys.alerts.list({}), { items: [] });
    await flush();
    await vi.advanceTimersByTimeAsync(1_000);
    await goLive(server);
    expect(invalidated(client, keys.alerts.list({}))).toBe(false);
  });

  it("waits longer after each failure in a row, with jitter", async () => {
    const { server } = setup({ random: () => 0 });
    server.reply("network-error", "network-error", "network-error");
    await flush();
    expect(server.requests).toHaveLength(1);
    // Half of 1 s, then half of 2 s, then half of 4 s (the jitter here is always at its lowest).
    await vi.advanceTimersByTimeAsync(499);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(server.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.requests).toHaveLength(4);
  });

  it("starts the backoff again once a connection works", async () => {
    const { server } = setup({ random: () => 0 });
    server.reply("network-error", "network-error");
    await vi.advanceTimersByTimeAsync(500 + 1_000);
    const connection = await goLive(server);
    connection.fail();
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    expect(server.requests).toHaveLength(4);
  });

  it("refreshes the token and reconnects at once when the server ends the stream for its expiry", async () => {
    const { server, auth } = setup();
    const first = await goLive(server);
    first.send("change", change(), "e1-9");
    first.send("token_expired", {});
    await flush();
    const second = await server.nextConnection();
    expect(auth.token).toHaveBeenLastCalledWith("token-1");
    expect(second.headers.get("Authorization")).toBe("Bearer token-2");
    expect(second.headers.get("Last-Event-ID")).toBe("e1-9");
  });

  it("stays live while it reconnects for a new token", async () => {
    const { server, statuses } = setup();
    const first = await goLive(server);
    first.send("token_expired", {});
    await flush();
    await goLive(server);
    expect(statuses).toEqual(["live"]);
  });

  it("tries a refreshed token once after a 401, then ends the session", async () => {
    const { server, auth } = setup();
    server.reply({ status: 401 }, { status: 401 });
    await flush();
    await flush();
    expect(server.requests.map((request) => request.headers.get("Authorization"))).toEqual([
      "Bearer token-1",
      "Bearer token-2",
    ]);
    expect(auth.rejected).toHaveBeenCalledOnce();
  });

  it("starts over without a cursor when another person signs in", async () => {
    const { server, auth } = setup();
    const first = await goLive(server);
    first.send("change", change(), "e1-10");
    await flush();
    auth.signInAs("user-2");
    const second = await server.nextConnection();
    expect(first.aborted).toBe(true);
    expect(second.headers.has("Last-Event-ID")).toBe(false);
  });
});

describe("falling back to polling", () => {
  it("polls while the server answers 503, retrying no sooner than its Retry-After", async () => {
    const { server, source } = setup({ random: () => 0 });
    server.reply({ status: 503, headers: { "Retry-After": "7" } });
    await flush();
    expect(source.status()).toBe("offline");
    expect(source.refetchInterval("messages")).toBe(POLL_MS.messages);
    await vi.advanceTimersByTimeAsync(6_999);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(2);
  });

  it("polls when an open stream says the server lost its fan-out", async () => {
    const { server, source } = setup({ random: () => 0 });
    const connection = await goLive(server);
    connection.send("unavailable", { retry_after: 3 });
    await flush();
    expect(source.status()).toBe("offline");
    expect(connection.aborted || server.requests.length === 1).toBe(true);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(server.requests).toHaveLength(2);
  });

  it("refetches everything once live again", async () => {
    const client = clientWith([{ key: keys.alerts.list({}), topic: "alerts", data: { items: [] } }]);
    const { server, source } = setup({ client, random: () => 0 });
    const first = await goLive(server);
    first.fail();
    await flush();
    expect(source.status()).toBe("offline");
    client.setQueryData(keys.alerts.list({}), { items: [] });
    server.reply({ status: 503 });
    await vi.advanceTimersByTimeAsync(500);
    expect(invalidated(client, keys.alerts.list({}))).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await goLive(server);
    expect(source.status()).toBe("live");
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
  });

  it("is offline without a network and reconnects as soon as it is back", async () => {
    const { server, network, source } = setup();
    const first = await goLive(server);
    network.set(false);
    await flush();
    expect(source.status()).toBe("offline");
    expect(first.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests).toHaveLength(1);
    network.set(true);
    await goLive(server);
    expect(source.status()).toBe("live");
  });

  it("does not try to connect while the browser is offline", async () => {
    const { server, source } = setup({ online: false });
    await flush();
    expect(source.status()).toBe("offline");
    expect(server.requests).toHaveLength(0);
  });
});

describe("heartbeats", () => {
  it("is stale after two heartbeats of silence and live again with the next event", async () => {
    const { server, source } = setup();
    const connection = await goLive(server);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(source.status()).toBe("live");
    await vi.advanceTimersByTimeAsync(1);
    expect(source.status()).toBe("stale");
    expect(source.refetchInterval("alerts")).toBe(POLL_MS.alerts);
    connection.send("heartbeat", { at: "2026-11-25T10:00:45Z" });
    await flush();
    expect(source.status()).toBe("live");
  });

  it("follows the server's heartbeat interval", async () => {
    const { server, source } = setup();
    const connection = await server.nextConnection();
    connection.send("ready", { ...READY, heartbeat_seconds: 5 });
    await flush();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.status()).toBe("stale");
  });

  it("drops a stream silent for three heartbeats and resumes on a new one", async () => {
    const { server } = setup({ random: () => 0 });
    const first = await goLive(server);
    first.send("change", change(), "e1-11");
    await flush();
    await vi.advanceTimersByTimeAsync(45_000);
    expect(first.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    const second = await server.nextConnection();
    expect(second.headers.get("Last-Event-ID")).toBe("e1-11");
  });
});

describe("status", () => {
  it("tells subscribers each change of status once", async () => {
    const { server, statuses } = setup({ random: () => 0 });
    const connection = await goLive(server);
    connection.fail();
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    await goLive(server);
    expect(statuses).toEqual(["live", "offline", "live"]);
  });

  it("stops reading and reconnecting when stopped", async () => {
    const server = fakeStreamServer();
    const source = new StreamSource({ auth: fakeAuth(), network: fakeNetwork(), random: () => 0 });
    const stop = source.start(clientWith([]));
    const connection = await goLive(server);
    stop();
    await flush();
    expect(connection.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests).toHaveLength(1);
  });
});
