"use client";

import { useQuery, type QueryKey, type UseQueryResult } from "@tanstack/react-query";
import { liveMeta } from "./cache-sync";
import { useLiveSource, useLiveStatus, type LiveTopic } from "./live-source";

/**
 * A query kept fresh by the live source: changes pushed by the stream while it is live, polling otherwise. Its topic
 * is recorded in the query's `meta`, which is how the stream finds the queries an event touches.
 */
export function useLiveQuery<T>(options: {
  topic: LiveTopic;
  queryKey: QueryKey;
  queryFn: (context: { signal: AbortSignal }) => Promise<T>;
  enabled?: boolean;
  /** Shown at once while the first fetch runs (never cached as the answer), e.g. what a list already knows. */
  placeholderData?: (previous: T | undefined) => T | undefined;
}): UseQueryResult<T> {
  const source = useLiveSource();
  // Re-renders when the stream goes live or falls back, so polling stops and starts with it.
  useLiveStatus();
  return useQuery({
    queryKey: options.queryKey,
    queryFn: options.queryFn,
    enabled: options.enabled ?? true,
    meta: liveMeta(options.topic),
    // Typed loosely by React Query for generic data (its guard against function-valued data); ours never is.
    ...(options.placeholderData ? { placeholderData: options.placeholderData as never } : {}),
    refetchInterval: source.refetchInterval(options.topic),
  });
}
