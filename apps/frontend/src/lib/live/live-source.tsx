"use client";

import type { QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useSyncExternalStore, type ReactNode } from "react";

/**
 * What a view shows, by kind. Screens name the topic of what they read; the live source decides how it stays fresh:
 * the real-time stream (`stream-source.ts`) returns `false` from `refetchInterval` while it is live and invalidates the
 * matching queries when an event arrives; whenever it is not live, and with `pollingSource`, queries poll.
 */
export type LiveTopic =
  | "alerts"
  | "alert"
  | "incidents"
  | "incident"
  | "messages"
  | "timeline"
  | "locations"
  | "assignments"
  | "responders"
  | "notifications"
  | "directory";

/**
 * How fresh the console is: `live` (the stream delivers changes as they happen), `stale` (the stream has been silent
 * for longer than two heartbeats), `offline` (no stream: the console polls), or `connecting` (the first connection).
 */
export type LiveStatus = "connecting" | "live" | "stale" | "offline";

export interface LiveSource {
  readonly name: string;
  /** The polling interval of a topic's queries, or `false` while pushed changes keep them fresh. */
  refetchInterval(topic: LiveTopic): number | false;
  /** Starts whatever the source needs (a stream connection) and returns its stop function. */
  start(queryClient: QueryClient): () => void;
  status(): LiveStatus;
  /** Calls `listener` whenever `status()` (and so `refetchInterval`) changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** The polling intervals, used whenever the stream is not live. */
export const POLL_MS: Record<LiveTopic, number> = {
  alerts: 5_000,
  alert: 5_000,
  incidents: 10_000,
  incident: 5_000,
  messages: 4_000,
  timeline: 5_000,
  locations: 5_000,
  assignments: 5_000,
  responders: 15_000,
  notifications: 10_000,
  directory: 60_000,
};

export const pollingSource: LiveSource = {
  name: "polling",
  refetchInterval: (topic) => POLL_MS[topic],
  start: () => () => undefined,
  status: () => "offline",
  subscribe: () => () => undefined,
};

const LiveSourceContext = createContext<LiveSource>(pollingSource);

export function LiveSourceProvider({
  source,
  queryClient,
  children,
}: {
  source: LiveSource;
  queryClient: QueryClient;
  children: ReactNode;
}) {
  useEffect(() => source.start(queryClient), [source, queryClient]);
  return <LiveSourceContext.Provider value={source}>{children}</LiveSourceContext.Provider>;
}

export const useLiveSource = (): LiveSource => useContext(LiveSourceContext);

/** The live source's status, re-rendering the caller when it changes. */
export function useLiveStatus(): LiveStatus {
  const source = useLiveSource();
  return useSyncExternalStore(source.subscribe, source.status, source.status);
}
