import type { AlertRead, AlertStatus, Severity } from "@sos/contracts";
import type { AlertFilters } from "@/lib/queries/alerts";

export const OPEN_STATUSES: readonly AlertStatus[] = ["triggered", "acknowledged", "dispatched", "on_scene"];
export const CLOSED_STATUSES: readonly AlertStatus[] = ["resolved", "cancelled"];
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export const isOpen = (status: AlertStatus): boolean => OPEN_STATUSES.includes(status);

/** Most urgent first: open before closed, then critical → low, then newest. */
export function compareForInbox(a: AlertRead, b: AlertRead): number {
  const openness = Number(!isOpen(a.status)) - Number(!isOpen(b.status));
  if (openness !== 0) return openness;
  const severity = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  if (severity !== 0) return severity;
  return Date.parse(b.created_at) - Date.parse(a.created_at);
}

export const sortForInbox = (alerts: readonly AlertRead[]): AlertRead[] => [...alerts].sort(compareForInbox);

export interface InboxFilters {
  /** Statuses picked; empty means every status shown by `showClosed`. */
  statuses: AlertStatus[];
  severities: Severity[];
  showClosed: boolean;
}

export const DEFAULT_INBOX_FILTERS: InboxFilters = { statuses: [], severities: [], showClosed: false };

export const statusesInView = (showClosed: boolean): AlertStatus[] =>
  showClosed ? [...OPEN_STATUSES, ...CLOSED_STATUSES] : [...OPEN_STATUSES];

/** The listAlerts query for the inbox filters; the API filters by status and severity itself. */
export function toAlertQuery(filters: InboxFilters): AlertFilters {
  const inView = statusesInView(filters.showClosed);
  const picked = filters.statuses.filter((status) => inView.includes(status));
  const query: AlertFilters = { status: picked.length ? picked : inView };
  if (filters.severities.length) query.severity = [...filters.severities];
  return query;
}

export const hasNarrowingFilters = (filters: InboxFilters): boolean =>
  filters.statuses.length > 0 || filters.severities.length > 0;

export function countByStatus(alerts: readonly AlertRead[]): Record<AlertStatus, number> {
  const counts: Record<AlertStatus, number> = {
    triggered: 0,
    acknowledged: 0,
    dispatched: 0,
    on_scene: 0,
    resolved: 0,
    cancelled: 0,
  };
  for (const alert of alerts) counts[alert.status] += 1;
  return counts;
}

/** Alert ids that were not in the previous list: what to announce as new. */
export function newArrivals(previous: ReadonlySet<string> | null, alerts: readonly AlertRead[]): AlertRead[] {
  if (previous === null) return [];
  return alerts.filter((alert) => !previous.has(alert.id) && alert.status === "triggered");
}
