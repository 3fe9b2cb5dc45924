"use client";

import { useQuery, type QueryKey, type UseQueryResult } from "@tanstack/react-query";
import { useLiveSource, type LiveTopic } from "./live-source";

/** A query that stays fresh by whatever the live source does (polling today, a push stream later). */
export function useLiveQuery<T>(options: {
  topic: LiveTopic;
  queryKey: QueryKey;
  queryFn: (context: { signal: AbortSignal }) => Promise<T>;
  enabled?: boolean;
}): UseQueryResult<T> {
  const source = useLiveSource();
  return useQuery({
    queryKey: options.queryKey,
    queryFn: options.queryFn,
    enabled: options.enabled ?? true,
    refetchInterval: source.refetchInterval(options.topic),
  });
}
