"use client";

import {
  acknowledgeAlert,
  arriveAlert,
  assignAlert,
  cancelAlert,
  dispatchAlert,
  getAlert,
  getAlertTimeline,
  listAlertAssignments,
  listAlertLocations,
  listAlerts,
  raiseAlert,
  reopenAlert,
  resolveAlert,
  type AlertAction,
  type AlertCreate,
  type AlertRead,
  type AlertStatus,
  type AssignmentCreate,
  type ListAlertsData,
  type PageAlertRead,
} from "@sos/contracts";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

export type AlertFilters = NonNullable<ListAlertsData["query"]>;

/** Whether an alert passes the status and severity filters (the ones a list can apply to what it already has). */
function passes(alert: AlertRead, filters: AlertFilters): boolean {
  return (
    (!filters.status?.length || filters.status.includes(alert.status)) &&
    (!filters.severity?.length || filters.severity.includes(alert.severity))
  );
}

export function useAlerts(filters: AlertFilters = {}) {
  return useLiveQuery({
    topic: "alerts",
    queryKey: keys.alerts.list(filters),
    queryFn: ({ signal }) => call(listAlerts({ client: api, query: { limit: 100, ...filters }, signal })),
    // A filter change shows the matching part of the list it had at once; the server's answer then completes it.
    placeholderData: (previous) =>
      previous ? { items: previous.items.filter((alert) => passes(alert, filters)), next_cursor: null } : undefined,
  });
}

/** The alert as a cached list last saw it, so its page opens without waiting for the network. */
function fromLists(client: QueryClient, id: string): AlertRead | undefined {
  for (const [, page] of client.getQueriesData<PageAlertRead>({ queryKey: [...keys.alerts.all, "list"] })) {
    const alert = page?.items.find((item) => item.id === id);
    if (alert) return alert;
  }
  return undefined;
}

export function useAlert(id: string | undefined) {
  const client = useQueryClient();
  return useLiveQuery({
    topic: "alert",
    queryKey: keys.alerts.detail(id ?? ""),
    queryFn: ({ signal }) => call(getAlert({ client: api, path: { alert_id: id ?? "" }, signal })),
    enabled: Boolean(id),
    placeholderData: () => (id ? fromLists(client, id) : undefined),
  });
}

export function useAlertTimeline(id: string | undefined) {
  return useLiveQuery({
    topic: "timeline",
    queryKey: keys.alerts.timeline(id ?? ""),
    queryFn: ({ signal }) =>
      call(getAlertTimeline({ client: api, path: { alert_id: id ?? "" }, query: { limit: 200 }, signal })),
    enabled: Boolean(id),
  });
}

export function useAlertLocations(id: string | undefined) {
  return useLiveQuery({
    topic: "locations",
    queryKey: keys.alerts.locations(id ?? ""),
    queryFn: ({ signal }) =>
      call(listAlertLocations({ client: api, path: { alert_id: id ?? "" }, query: { limit: 200 }, signal })),
    enabled: Boolean(id),
  });
}

export function useAlertAssignments(id: string | undefined) {
  return useLiveQuery({
    topic: "assignments",
    queryKey: keys.alerts.assignments(id ?? ""),
    queryFn: ({ signal }) => call(listAlertAssignments({ client: api, path: { alert_id: id ?? "" }, signal })),
    enabled: Boolean(id),
  });
}

/** The status each action leads to, for the optimistic update (the server's answer replaces it). */
export const ACTION_RESULT: Record<AlertAction, AlertStatus> = {
  acknowledge: "acknowledged",
  dispatch: "dispatched",
  arrive: "on_scene",
  resolve: "resolved",
  cancel: "cancelled",
  reopen: "triggered",
};

const TRANSITIONS = {
  acknowledge: acknowledgeAlert,
  dispatch: dispatchAlert,
  arrive: arriveAlert,
  resolve: resolveAlert,
  cancel: cancelAlert,
  reopen: reopenAlert,
} as const;

function patchAlertEverywhere(client: QueryClient, id: string, patch: (alert: AlertRead) => AlertRead): void {
  client.setQueryData<AlertRead>(keys.alerts.detail(id), (alert) => (alert ? patch(alert) : alert));
  client.setQueriesData<PageAlertRead>({ queryKey: [...keys.alerts.all, "list"] }, (page) =>
    page ? { ...page, items: page.items.map((alert) => (alert.id === id ? patch(alert) : alert)) } : page,
  );
}

interface Snapshot {
  detail: AlertRead | undefined;
  lists: Array<[readonly unknown[], PageAlertRead | undefined]>;
}

/**
 * Moves an alert through its lifecycle optimistically: the new status shows at once, and the previous state comes
 * back if the server refuses (409 not allowed now, 412 someone else changed it first). The error reaches the caller.
 */
export function useAlertTransition(alert: AlertRead | undefined) {
  const client = useQueryClient();
  return useMutation<AlertRead, Error, { action: AlertAction; note?: string }, Snapshot>({
    mutationFn: async ({ action, note }) => {
      if (!alert) throw new Error("The alert is not loaded yet.");
      const transition = TRANSITIONS[action];
      return call(
        transition({
          client: api,
          path: { alert_id: alert.id },
          headers: ifMatch(alert.version),
          body: note ? { note } : null,
        }),
      );
    },
    onMutate: async ({ action }) => {
      if (!alert) return { detail: undefined, lists: [] };
      await client.cancelQueries({ queryKey: keys.alerts.all });
      const snapshot: Snapshot = {
        detail: client.getQueryData<AlertRead>(keys.alerts.detail(alert.id)),
        lists: client.getQueriesData<PageAlertRead>({ queryKey: [...keys.alerts.all, "list"] }),
      };
      patchAlertEverywhere(client, alert.id, (current) => ({
        ...current,
        status: ACTION_RESULT[action],
        allowed_actions: [],
      }));
      return snapshot;
    },
    onError: (_error, _variables, snapshot) => {
      if (!alert || !snapshot) return;
      client.setQueryData(keys.alerts.detail(alert.id), snapshot.detail);
      for (const [key, page] of snapshot.lists) client.setQueryData(key, page);
    },
    onSuccess: (updated) => {
      patchAlertEverywhere(client, updated.id, () => updated);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.alerts.all });
    },
  });
}

export function useAssignAlert(alertId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AssignmentCreate) => call(assignAlert({ client: api, path: { alert_id: alertId }, body })),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.alerts.detail(alertId) });
    },
  });
}

/** Raises an SOS. The idempotency key makes a retried tap (or a retried request) create one alert, not two. */
export function useRaiseAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: AlertCreate; idempotencyKey: string }) =>
      call(raiseAlert({ client: api, body, headers: { "Idempotency-Key": idempotencyKey } })),
    onSuccess: (alert) => client.setQueryData(keys.alerts.detail(alert.id), alert),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.alerts.all });
    },
  });
}
