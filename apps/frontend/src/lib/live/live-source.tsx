"use client";

import type { QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, type ReactNode } from "react";

/**
 * What a view shows, by kind. Screens name the topic of what they read; the live source decides how it stays fresh.
 * Today that is polling. The real-time stream will implement the same interface: it returns `false` from
 * `refetchInterval` and invalidates the matching queries when an event arrives, so no screen changes.
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

export interface LiveSource {
  readonly name: string;
  refetchInterval(topic: LiveTopic): number | false;
  /** Starts whatever the source needs (a stream connection) and returns its stop function. */
  start(queryClient: QueryClient): () => void;
}

const POLL_MS: Record<LiveTopic, number> = {
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
