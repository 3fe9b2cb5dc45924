"use client";

import {
  getIncident,
  getIncidentTimeline,
  listIncidents,
  mergeAlertsIntoIncident,
  openIncident,
  reopenIncident,
  resolveIncident,
  updateIncident,
  type IncidentAction,
  type IncidentCreate,
  type IncidentRead,
  type IncidentUpdate,
  type ListIncidentsData,
  type PageIncidentRead,
} from "@sos/contracts";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";
import { collectPages } from "./pages";

export type IncidentFilters = Omit<NonNullable<ListIncidentsData["query"]>, "cursor" | "limit">;

export function useIncidents(filters: IncidentFilters = {}) {
  return useLiveQuery({
    topic: "incidents",
    queryKey: keys.incidents.list(filters),
    queryFn: ({ signal }) => call(listIncidents({ client: api, query: { limit: 100, ...filters }, signal })),
  });
}

export function useIncident(id: string | undefined) {
  return useLiveQuery({
    topic: "incident",
    queryKey: keys.incidents.detail(id ?? ""),
    queryFn: ({ signal }) => call(getIncident({ client: api, path: { incident_id: id ?? "" }, signal })),
    enabled: Boolean(id),
  });
}

export function useIncidentTimeline(id: string | undefined) {
  return useLiveQuery({
    topic: "timeline",
    queryKey: keys.incidents.timeline(id ?? ""),
    // An incident's timeline gathers its alerts' entries too, so it can outgrow one page.
    queryFn: ({ signal }) =>
      collectPages((cursor) =>
        call(
          getIncidentTimeline({
            client: api,
            path: { incident_id: id ?? "" },
            query: { limit: 200, ...(cursor ? { cursor } : {}) },
            signal,
          }),
        ),
      ),
    enabled: Boolean(id),
  });
}

/** Puts the server's answer in every cache that shows the incident. */
function storeIncident(client: QueryClient, incident: IncidentRead): void {
  client.setQueryData(keys.incidents.detail(incident.id), incident);
  client.setQueriesData<PageIncidentRead>({ queryKey: [...keys.incidents.all, "list"] }, (page) =>
    page ? { ...page, items: page.items.map((item) => (item.id === incident.id ? incident : item)) } : page,
  );
}

/** Grouping alerts changes each alert's incident_id, so alert views refresh too. */
const refreshAfterGrouping = (client: QueryClient) =>
  Promise.all([
    client.invalidateQueries({ queryKey: keys.incidents.all }),
    client.invalidateQueries({ queryKey: keys.alerts.all }),
  ]);

export function useOpenIncident() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: IncidentCreate) => call(openIncident({ client: api, body })),
    onSuccess: (incident) => client.setQueryData(keys.incidents.detail(incident.id), incident),
    onSettled: () => refreshAfterGrouping(client),
  });
}

/** Sends only the changed fields, with If-Match: a stale edit fails with 412 rather than overwriting someone. */
export function useUpdateIncident(incident: IncidentRead | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: IncidentUpdate) => {
      if (!incident) throw new Error("The incident is not loaded yet.");
      return call(
        updateIncident({
          client: api,
          path: { incident_id: incident.id },
          headers: ifMatch(incident.version),
          body: changes,
        }),
      );
    },
    onSuccess: (updated) => storeIncident(client, updated),
    onSettled: () => client.invalidateQueries({ queryKey: keys.incidents.all }),
  });
}

const INCIDENT_TRANSITIONS = { resolve: resolveIncident, reopen: reopenIncident } as const;

export function useIncidentTransition(incident: IncidentRead | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ action, note }: { action: IncidentAction; note?: string }) => {
      if (!incident) throw new Error("The incident is not loaded yet.");
      return call(
        INCIDENT_TRANSITIONS[action]({
          client: api,
          path: { incident_id: incident.id },
          headers: ifMatch(incident.version),
          body: note ? { note } : null,
        }),
      );
    },
    onSuccess: (updated) => storeIncident(client, updated),
    onSettled: () => client.invalidateQueries({ queryKey: keys.incidents.all }),
  });
}

/** Groups alerts under an incident; an alert already in another incident moves here. */
export function useMergeAlerts() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ incidentId, alertIds }: { incidentId: string; alertIds: string[] }) =>
      call(mergeAlertsIntoIncident({ client: api, path: { incident_id: incidentId }, body: { alert_ids: alertIds } })),
    onSuccess: (incident) => storeIncident(client, incident),
    onSettled: () => refreshAfterGrouping(client),
  });
}
