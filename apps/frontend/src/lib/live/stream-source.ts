import type { QueryClient } from "@tanstack/react-query";
import { backoffDelay, retryAfterMs } from "./backoff";
import {
  applyLocationChange,
  invalidateAll,
  invalidateChanges,
  invalidateFetchedBefore,
  invalidateTimeline,
} from "./cache-sync";
import { POLL_MS, type LiveSource, type LiveStatus, type LiveTopic } from "./live-source";
import { SseParser, type SseMessage } from "./sse-parser";
import { changeSchema, parseEventData, readySchema, unavailableSchema, type ChangeEvent } from "./stream-events";

/** Who is signed in and their access token, as the stream needs them (`stream-auth.ts` adapts the session). */
export interface StreamAuth {
  /** The signed-in user, or null: the stream runs only while someone is signed in, and restarts for another user. */
  userId(): string | null;
  subscribe(listener: () => void): () => void;
  /**
   * An access token for the next connection. `replacing` is a token the server has ended the stream for or refused:
   * the answer must be a newer one (refreshed now, whatever the local clock says).
   */
  token(replacing?: string): Promise<string | undefined>;
  /** The server refused a freshly refreshed token: the session is over. */
  rejected(): void;
}

/** Whether the browser has a network, and when that changes. */
export interface NetworkState {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

export interface StreamSourceOptions {
  auth: StreamAuth;
  network: NetworkState;
  url?: string;
  fetch?: typeof fetch;
  random?: () => number;
}

/** Until the server's `ready` says otherwise. */
const DEFAULT_HEARTBEAT_MS = 15_000;
/**
 * The timeline is a projection written by its own consumer of the same events the stream carries. In the embedded
 * mode the stream's consumer runs after the timeline's, but with Kafka each consumer group runs on its own, so a
 * change can reach the console a moment before its timeline entry is committed, and the refetch it triggers would
 * miss the entry. Timelines touched by a change are therefore refetched once more this long after it (the entry's
 * text is never in the event itself, so it cannot be patched in).
 */
export const TIMELINE_FOLLOW_UP_MS = 1_500;
/** Why the watchdog cut a connection. */
const SILENT = "silent";
/** A token that ends its stream sooner than this after the previous one did is retried with backoff. */
const QUICK_EXPIRY_MS = 10_000;

type Outcome =
  /** The server is ending the stream at the token's expiry: reconnect at once with a fresh token. */
  | { kind: "token-expired" }
  | { kind: "unauthorized" }
  /** No stream (network error, 503, `unavailable`, a stream that ended before `ready`): poll, retry with backoff. */
  | { kind: "failed"; retryAfterMs: number }
  /** A stream that was working ended, or went silent and was cut: reconnect soon, resuming from the cursor. */
  | { kind: "ended" }
  | { kind: "stopped" };

/**
 * The console's connection to `GET /api/v1/stream` (Server-Sent Events read with fetch, so the access token travels
 * in the Authorization header). It feeds the React Query cache:
 * - `change`: marks stale the queries of the event's topics (only the affected alert's or incident's detail queries),
 *   and writes location fixes straight into the cached positions, so map markers move without a refetch;
 * - `resync`: marks everything stale;
 * - it remembers the last cursor and resumes with `Last-Event-ID`, so a reconnect misses nothing;
 * - `token_expired`: refreshes the access token and reconnects at once;
 * - a 503, `unavailable` or a network error: falls back to polling (`refetchInterval` returns the polling intervals
 *   whenever the stream is not live) and retries with jittered backoff; once live again, everything is refetched.
 */
export class StreamSource implements LiveSource {
  readonly name = "stream";
  readonly #auth: StreamAuth;
  readonly #network: NetworkState;
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #listeners = new Set<() => void>();

  #status: LiveStatus = "connecting";
  #client: QueryClient | null = null;
  #userId: string | null = null;
  /** The id of the last change received (opaque; echoed as Last-Event-ID). */
  #cursor: string | null = null;
  /** Bumped by every (re)start and stop; a loop from an older run ends at its next step. */
  #run = 0;
  #attempt = 0;
  #controller: AbortController | null = null;
  #wake: (() => void) | null = null;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  #staleTimer: ReturnType<typeof setTimeout> | undefined;
  #deadTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while polling stands in for the stream: what the stream missed is refetched when it is back. */
  #missedChanges = false;
  #pending: ChangeEvent[] = [];
  #flushQueued = false;
  #timeline: ChangeEvent[] = [];
  #timelineTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: StreamSourceOptions) {
    this.#auth = options.auth;
    this.#network = options.network;
    this.#url = options.url ?? "/api/v1/stream";
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#random = options.random ?? Math.random;
  }

  refetchInterval = (topic: LiveTopic): number | false => (this.#status === "live" ? false : POLL_MS[topic]);

  status = (): LiveStatus => this.#status;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The cursor the next connection resumes from (for tests and diagnostics). */
  get cursor(): string | null {
    return this.#cursor;
  }

  start(queryClient: QueryClient): () => void {
    this.#client = queryClient;
    this.#userId = this.#auth.userId();
    const stopAuth = this.#auth.subscribe(() => {
      const userId = this.#auth.userId();
      if (userId === this.#userId) return;
      // Another person's stream: nothing of the previous one carries over.
      this.#userId = userId;
      this.#cursor = null;
      this.#missedChanges = false;
      this.#restart();
    });
    const stopNetwork = this.#network.subscribe((online) => {
      if (online) {
        this.#wakeUp();
      } else {
        this.#fallBack();
        this.#abort();
      }
    });
    this.#restart();
    return () => {
      stopAuth();
      stopNetwork();
      this.#halt();
      this.#client = null;
    };
  }

  #setStatus(status: LiveStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#listeners) listener();
  }

  #restart(): void {
    this.#halt();
    if (!this.#userId) {
      this.#setStatus("connecting");
      return;
    }
    this.#setStatus(this.#status === "offline" ? "offline" : "connecting");
    void this.#loop(this.#run);
  }

  /** Ends the current run: its connection, its waits and its timers. */
  #halt(): void {
    this.#run += 1;
    this.#abort();
    this.#wakeUp();
    this.#clearWatchdog();
    clearTimeout(this.#timelineTimer);
    this.#timelineTimer = undefined;
    this.#timeline = [];
    this.#pending = [];
    this.#attempt = 0;
  }

  #abort(reason?: string): void {
    this.#controller?.abort(reason);
    this.#controller = null;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits `milliseconds` (forever when null), or until woken (back online, stopped). */
  #sleep(milliseconds: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      if (milliseconds !== null) timer = setTimeout(done, milliseconds);
      this.#wake = done;
    });
  }

  #fallBack(): void {
    this.#clearWatchdog();
    this.#missedChanges = true;
    this.#setStatus("offline");
  }

  async #loop(run: number): Promise<void> {
    let replacing: string | undefined;
    let refusals = 0;
    let lastExpiry = Number.NEGATIVE_INFINITY;
    while (run === this.#run) {
      if (!this.#network.isOnline()) {
        this.#fallBack();
        await this.#sleep(null);
        continue;
      }
      const token = await this.#auth.token(replacing);
      if (run !== this.#run) return;
      // Signed out meanwhile: the session subscription stops or restarts the stream.
      if (!token) return;
      if (token === replacing) {
        // No newer token yet (the refresh could not reach the server): wait, then ask again.
        this.#fallBack();
        await this.#sleep(backoffDelay(this.#attempt++, this.#random));
        continue;
      }
      replacing = undefined;
      const outcome = await this.#connect(run, token);
      if (run !== this.#run || outcome.kind === "stopped") return;
      refusals = outcome.kind === "unauthorized" ? refusals + 1 : 0;
      switch (outcome.kind) {
        case "token-expired":
          replacing = token;
          // A fresh token ended again at once (clocks far apart): back off instead of spinning.
          if (Date.now() - lastExpiry < QUICK_EXPIRY_MS) await this.#sleep(backoffDelay(this.#attempt++, this.#random));
          lastExpiry = Date.now();
          break;
        case "unauthorized":
          if (refusals > 1) {
            this.#fallBack();
            this.#auth.rejected();
            return;
          }
          replacing = token;
          break;
        case "failed":
          this.#fallBack();
          await this.#sleep(backoffDelay(this.#attempt++, this.#random, outcome.retryAfterMs));
          break;
        case "ended":
          // Not live while it waits: the indicator must not claim it, and polling covers the gap (the resume
          // replays the rest).
          this.#clearWatchdog();
          this.#setStatus("connecting");
          await this.#sleep(backoffDelay(this.#attempt++, this.#random));
          break;
      }
    }
  }

  async #connect(run: number, token: string): Promise<Outcome> {
    const controller = new AbortController();
    this.#controller = controller;
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "text/event-stream" };
    if (this.#cursor) headers["Last-Event-ID"] = this.#cursor;
    const resumed = this.#cursor !== null;
    let response: Response;
    try {
      response = await this.#fetch(this.#url, { headers, signal: controller.signal, cache: "no-store" });
    } catch {
      return this.#interrupted(run, controller);
    }
    if (response.status === 401) {
      void response.body?.cancel().catch(() => undefined);
      return { kind: "unauthorized" };
    }
    const isStream = response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
    if (!response.ok || !response.body || !isStream) {
      void response.body?.cancel().catch(() => undefined);
      return { kind: "failed", retryAfterMs: retryAfterMs(response.headers.get("Retry-After")) };
    }

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    // Written by the parser's callback while the loop below reads.
    const state: { ready: boolean; outcome: Outcome | null } = { ready: false, outcome: null };
    const parser = new SseParser((message) => {
      if (state.outcome || run !== this.#run) return;
      if (message.event === "ready") state.ready = true;
      state.outcome = this.#receive(message, resumed);
    });
    try {
      while (!state.outcome) {
        const { done, value } = await reader.read();
        if (done || run !== this.#run) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      return this.#interrupted(run, controller);
    } finally {
      if (this.#controller === controller) this.#controller = null;
      void reader.cancel().catch(() => undefined);
    }
    if (run !== this.#run) return { kind: "stopped" };
    return state.outcome ?? (state.ready ? { kind: "ended" } : { kind: "failed", retryAfterMs: 0 });
  }

  /**
   * A fetch or read that threw: stopped by us, cut by the watchdog after a silence (resume soon from the cursor), or
   * a network failure or going offline (poll meanwhile).
   */
  #interrupted(run: number, controller: AbortController): Outcome {
    if (run !== this.#run) return { kind: "stopped" };
    if (controller.signal.aborted && controller.signal.reason === SILENT) return { kind: "ended" };
    return { kind: "failed", retryAfterMs: 0 };
  }

  /** Handles one event; returns how the stream ends when the event ends it. */
  #receive(message: SseMessage, resumed: boolean): Outcome | null {
    this.#touch();
    switch (message.event) {
      case "ready": {
        const ready = parseEventData(readySchema, message.data);
        if (ready) {
          this.#heartbeatMs = ready.heartbeat_seconds * 1000;
          this.#cursor = ready.cursor ?? this.#cursor;
        }
        this.#onReady(resumed);
        this.#touch();
        return null;
      }
      case "change": {
        const change = parseEventData(changeSchema, message.data);
        if (message.hasId) this.#cursor = message.lastEventId;
        if (change) this.#onChange(change);
        return null;
      }
      case "resync":
        if (this.#client) invalidateAll(this.#client);
        return null;
      case "token_expired":
        return { kind: "token-expired" };
      case "unavailable": {
        const unavailable = parseEventData(unavailableSchema, message.data);
        return { kind: "failed", retryAfterMs: (unavailable?.retry_after ?? 0) * 1000 };
      }
      default:
        // heartbeat, and event names this console does not know yet
        return null;
    }
  }

  #onReady(resumed: boolean): void {
    this.#attempt = 0;
    const client = this.#client;
    if (client) {
      if (this.#missedChanges) {
        // Polling stood in for the stream: whatever it has not fetched since is refetched once.
        invalidateAll(client);
      } else if (!resumed) {
        // A first connection replays nothing: data fetched before the server took its position may have missed a
        // change, and while live nothing polls, so it is fetched again.
        invalidateFetchedBefore(client, Date.now());
      }
    }
    this.#missedChanges = false;
    this.#setStatus("live");
  }

  #onChange(change: ChangeEvent): void {
    const client = this.#client;
    if (!client) return;
    const patched = applyLocationChange(client, change);
    const rest = patched ? change.topics.filter((topic) => !patched.has(topic)) : change.topics;
    if (rest.length > 0) this.#pending.push({ ...change, topics: rest });
    if (change.topics.includes("timeline")) this.#followUpTimeline(change);
    if (this.#pending.length > 0 && !this.#flushQueued) {
      // The events of one read arrive together: one invalidation for all of them, so a query refetches once.
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    const changes = this.#pending;
    this.#pending = [];
    if (this.#client && changes.length > 0) invalidateChanges(this.#client, changes);
  }

  #followUpTimeline(change: ChangeEvent): void {
    this.#timeline.push(change);
    if (this.#timelineTimer !== undefined) return;
    this.#timelineTimer = setTimeout(() => {
      this.#timelineTimer = undefined;
      const changes = this.#timeline;
      this.#timeline = [];
      if (this.#client) invalidateTimeline(this.#client, changes);
    }, TIMELINE_FOLLOW_UP_MS);
  }

  /** Anything from the server proves the stream alive; silence beyond two heartbeats is stale, three is dead. */
  #touch(): void {
    this.#clearWatchdog();
    if (this.#status === "stale") this.#setStatus("live");
    const heartbeat = this.#heartbeatMs;
    this.#staleTimer = setTimeout(() => {
      if (this.#status === "live") this.#setStatus("stale");
    }, 2 * heartbeat);
    this.#deadTimer = setTimeout(() => this.#abort(SILENT), 3 * heartbeat);
  }

  #clearWatchdog(): void {
    clearTimeout(this.#staleTimer);
    clearTimeout(this.#deadTimer);
    this.#staleTimer = undefined;
    this.#deadTimer = undefined;
  }
}
