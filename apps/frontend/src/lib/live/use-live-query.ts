"use client";

import { useQuery, type QueryKey, type UseQueryResult } from "@tanstack/react-query";
import { useLiveSource, type LiveTopic } from "./live-source";

/** A query that stays fresh by whatever the live source does (polling today, a push stream later). */
export function useLiveQuery<T>(options: {
  topic: LiveTopic;
  queryKey: QueryKey;
  queryFn: (context: { signal: AbortSignal }) => Promise<T>;
  enabled?: boolean;
  /** Shown at once while the first fetch runs (never cached as the answer), e.g. what a list already knows. */
  placeholderData?: (previous: T | undefined) => T | undefined;
}): UseQueryResult<T> {
  const source = useLiveSource();
  return useQuery({
    queryKey: options.queryKey,
    queryFn: options.queryFn,
    enabled: options.enabled ?? true,
    // Typed loosely by React Query for generic data (its guard against function-valued data); ours never is.
    ...(options.placeholderData ? { placeholderData: options.placeholderData as never } : {}),
    refetchInterval: source.refetchInterval(options.topic),
  });
}
