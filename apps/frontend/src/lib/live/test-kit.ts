/**
 * Test helpers for the live stream: a fake `GET /api/v1/stream` at the fetch boundary whose connections a test drives
 * event by event, and the small auth and network doubles the stream source takes.
 */
import { QueryClient, type QueryKey } from "@tanstack/react-query";
import { vi } from "vitest";
import { liveMeta } from "./cache-sync";
import type { LiveTopic } from "./live-source";
import type { NetworkState, StreamAuth } from "./stream-source";

export interface StreamConnection {
  headers: Headers;
  url: string;
  /** Sends raw SSE text. */
  write(text: string): void;
  /** Sends one named event with JSON data (and an id for changes). */
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream cleanly, as a server closing it. */
  end(): void;
  /** Breaks the stream, as a dropped network connection. */
  fail(): void;
  readonly aborted: boolean;
}

export type StreamReply =
  | "stream"
  | "network-error"
  | { status: number; headers?: Record<string, string>; body?: string };

/**
 * Replaces fetch: each request to the stream takes the next planned reply ("stream" by default). A test awaits
 * `nextConnection()` to get the open connection and push events through it.
 */
export function fakeStreamServer() {
  const connections: StreamConnection[] = [];
  const requests: Array<{ url: string; headers: Headers }> = [];
  const plan: StreamReply[] = [];
  const waiting: Array<(connection: StreamConnection) => void> = [];
  const encoder = new TextEncoder();
  let taken = 0;

  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    requests.push({ url, headers });
    const reply = plan.shift() ?? "stream";
    if (reply === "network-error") throw new TypeError("Failed to fetch");
    if (reply !== "stream") {
      return new Response(reply.body ?? null, {
        status: reply.status,
        headers: { "content-type": "application/problem+json", ...reply.headers },
      });
    }
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let closed = false;
    let aborted = false;
    const body = new ReadableStream<Uint8Array>({
      start: (streamController) => {
        controller = streamController;
      },
      cancel: () => {
        closed = true;
      },
    });
    const connection: StreamConnection = {
      headers,
      url,
      write: (text) => {
        if (!closed) controller?.enqueue(encoder.encode(text));
      },
      send: (event, data, id) =>
        connection.write(`event: ${event}\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`),
      end: () => {
        if (closed) return;
        closed = true;
        controller?.close();
      },
      fail: () => {
        if (closed) return;
        closed = true;
        controller?.error(new TypeError("network error"));
      },
      get aborted() {
        return aborted;
      },
    };
    init?.signal?.addEventListener("abort", () => {
      aborted = true;
      if (!closed) {
        closed = true;
        controller?.error(new DOMException("The operation was aborted.", "AbortError"));
      }
    });
    connections.push(connection);
    const waiter = waiting.shift();
    if (waiter) {
      taken += 1;
      waiter(connection);
    }
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  });
  vi.stubGlobal("fetch", fetchMock);

  return {
    fetchMock,
    connections,
    requests,
    /** Plans the replies of the next requests, in order. */
    reply: (...replies: StreamReply[]) => plan.push(...replies),
    /** The next connection not yet handed to the test, once it opens. */
    nextConnection: (): Promise<StreamConnection> => {
      const open = connections[taken];
      if (open) {
        taken += 1;
        return Promise.resolve(open);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

export const READY = { cursor: "e1-0", heartbeat_seconds: 15, expires_at: "2026-11-25T11:00:00Z" };

export const ALERT_A = "01a21464-2000-7000-8000-00000000000a";
export const ALERT_B = "01a21464-2000-7000-8000-00000000000b";
export const RESPONDER = "01a21464-0000-7000-8000-0000000000c1";

export function change(overrides: Record<string, unknown> = {}) {
  return {
    id: "01a21464-9000-7000-8000-000000000001",
    type: "alert.acknowledged",
    topics: ["alerts", "alert", "timeline"],
    aggregate_type: "alert",
    aggregate_id: ALERT_A,
    alert_id: ALERT_A,
    incident_id: null,
    occurred_at: "2026-11-25T10:00:00Z",
    data: {},
    ...overrides,
  };
}

/** A signed-in user whose token the test controls; `token(replacing)` hands out the next token when asked to. */
export function fakeAuth(userId: string | null = "user-1") {
  let user = userId;
  let current = 1;
  const listeners = new Set<() => void>();
  const auth = {
    userId: () => user,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    token: vi.fn(async (replacing?: string) => {
      if (!user) return undefined;
      if (replacing === `token-${current}`) current += 1;
      return `token-${current}`;
    }),
    rejected: vi.fn<() => void>(),
    signInAs: (id: string | null) => {
      user = id;
      for (const listener of listeners) listener();
    },
  };
  return auth satisfies StreamAuth;
}

export function fakeNetwork(online = true) {
  let state = online;
  const listeners = new Set<(online: boolean) => void>();
  const network: NetworkState & { set(online: boolean): void } = {
    isOnline: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set: (next) => {
      state = next;
      for (const listener of listeners) listener(next);
    },
  };
  return network;
}

/** A query client holding live queries with data, as screens leave them. */
export function clientWith(entries: Array<{ key: QueryKey; topic: LiveTopic; data: unknown }>): QueryClient {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } });
  for (const entry of entries) {
    client.getQueryCache().build(client, { queryKey: entry.key, meta: liveMeta(entry.topic) });
    client.setQueryData(entry.key, entry.data);
  }
  return client;
}

export const invalidated = (client: QueryClient, key: QueryKey): boolean =>
  client.getQueryCache().find({ queryKey: key, exact: true })?.state.isInvalidated ?? false;
