"use client";

import { listAlertLocations, type LocationRead } from "@sos/contracts";
import { useQueries, type UseQueryResult } from "@tanstack/react-query";
import { useCallback } from "react";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { liveMeta } from "@/lib/live/cache-sync";
import { useLiveSource, useLiveStatus } from "@/lib/live/live-source";
import { keys } from "@/lib/queries/keys";

/**
 * The location trails of several alerts, oldest fix first, by alert id. Each is the same query (key, limit, topic)
 * as an alert page's trail, so they share the cache, and the stream appends new fixes to both without a refetch.
 */
export function useAlertTrails(alertIds: readonly string[]): ReadonlyMap<string, LocationRead[]> {
  const source = useLiveSource();
  useLiveStatus();
  const idsKey = alertIds.join("|");
  // Stable while the ids are the same, so the map is rebuilt only when a trail changes.
  const combine = useCallback(
    (results: UseQueryResult<LocationRead[]>[]) => {
      const ids = idsKey ? idsKey.split("|") : [];
      const trails = new Map<string, LocationRead[]>();
      results.forEach((result, index) => {
        const id = ids[index];
        if (id && result.data) trails.set(id, result.data);
      });
      return trails;
    },
    [idsKey],
  );
  return useQueries({
    queries: alertIds.map((id) => ({
      queryKey: keys.alerts.locations(id),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        call(listAlertLocations({ client: api, path: { alert_id: id }, query: { limit: 200 }, signal })),
      meta: liveMeta("locations"),
      refetchInterval: source.refetchInterval("locations"),
    })),
    combine,
  });
}
