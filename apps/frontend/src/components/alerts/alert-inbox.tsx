"use client";

import type { AlertRead, AlertStatus, Severity } from "@sos/contracts";
import { severity as severityTokens, status as statusTokens } from "@sos/design-system";
import { FilterX } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { Freshness } from "@/components/shell/freshness";
import { Button } from "@/components/ui/button";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { useAlerts } from "@/lib/queries/alerts";
import { useIncidents } from "@/lib/queries/incidents";
import { AlertList } from "./alert-list";
import { FilterChip, FilterGroup } from "./filter-chip";
import { CATEGORY_LABEL } from "./format";
import {
  CLOSED_STATUSES,
  countByStatus,
  DEFAULT_INBOX_FILTERS,
  hasNarrowingFilters,
  newArrivals,
  OPEN_STATUSES,
  SEVERITIES,
  sortForInbox,
  statusesInView,
  toAlertQuery,
  type InboxFilters,
} from "./inbox-model";

const toggle = <T,>(list: readonly T[], item: T, on: boolean): T[] =>
  on ? [...list.filter((value) => value !== item), item] : list.filter((value) => value !== item);

function describeArrivals(arrivals: readonly AlertRead[]): string {
  const first = arrivals[0];
  if (!first) return "";
  if (arrivals.length > 1) return `${arrivals.length} new SOS alerts.`;
  return `New SOS alert: ${severityTokens[first.severity].label} ${CATEGORY_LABEL[first.category].toLowerCase()}.`;
}

/** Announces newly raised alerts to screen readers once the first list has loaded. */
function useArrivalAnnouncement(alerts: readonly AlertRead[] | undefined): string {
  const seen = useRef<Set<string> | null>(null);
  const [message, setMessage] = useState("");
  useEffect(() => {
    if (!alerts) return;
    const arrivals = newArrivals(seen.current, alerts);
    seen.current = new Set([...(seen.current ?? []), ...alerts.map((alert) => alert.id)]);
    if (arrivals.length) setMessage(describeArrivals(arrivals));
  }, [alerts]);
  return message;
}

/** The coordinator's inbox: every alert that needs attention, most urgent first, with filters and counts. */
export function AlertInbox() {
  const [filters, setFilters] = useState<InboxFilters>(DEFAULT_INBOX_FILTERS);
  const query = useAlerts(toAlertQuery(filters));
  // The counts cover every status in view; without narrowing filters it is the same request as the list.
  const overview = useAlerts(toAlertQuery({ ...DEFAULT_INBOX_FILTERS, showClosed: filters.showClosed }));
  const incidents = useIncidents();
  const announcement = useArrivalAnnouncement(overview.data?.items);

  const sorted = useMemo(() => sortForInbox(query.data?.items ?? []), [query.data]);
  const counts = useMemo(() => countByStatus(overview.data?.items ?? []), [overview.data]);
  const countsCut = Boolean(overview.data?.next_cursor);
  const incidentTitles = useMemo(
    () => new Map((incidents.data?.items ?? []).map((incident) => [incident.id, incident.title])),
    [incidents.data],
  );
  const inView = statusesInView(filters.showClosed);
  const openTotal = OPEN_STATUSES.reduce((total, status) => total + counts[status], 0);
  const narrowed = hasNarrowingFilters(filters);

  const setStatus = (status: AlertStatus, on: boolean) =>
    setFilters((current) => ({ ...current, statuses: toggle(current.statuses, status, on) }));
  const setSeverity = (severity: Severity, on: boolean) =>
    setFilters((current) => ({ ...current, severities: toggle(current.severities, severity, on) }));
  const setShowClosed = (showClosed: boolean) =>
    setFilters((current) => ({
      ...current,
      showClosed,
      statuses: showClosed ? current.statuses : current.statuses.filter((status) => OPEN_STATUSES.includes(status)),
    }));
  const countLabel = (status: AlertStatus) => (overview.data ? `${counts[status]}${countsCut ? "+" : ""}` : undefined);

  return (
    <div className="flex flex-col gap-lg">
      <p role="status" className="sr-only">
        {announcement}
      </p>
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <p className="text-sm text-foreground">
          {overview.data ? (
            <>
              <span className="text-lg font-semibold tabular-nums">
                {openTotal}
                {countsCut ? "+" : ""}
              </span>{" "}
              open {openTotal === 1 ? "alert" : "alerts"}
            </>
          ) : (
            <span className="text-muted-foreground">Counting open alerts…</span>
          )}
        </p>
        <Freshness updatedAt={query.dataUpdatedAt} failing={query.isError} />
      </div>

      <section aria-label="Filters" className="flex flex-col gap-md rounded-lg border border-border bg-surface p-md">
        <div className="flex flex-col gap-md xl:flex-row xl:flex-wrap xl:items-start xl:gap-xl">
          <FilterGroup legend="Status">
            {inView.map((status) => (
              <FilterChip
                key={status}
                label={statusTokens[status].label}
                checked={filters.statuses.includes(status)}
                onChange={(on) => setStatus(status, on)}
                {...(countLabel(status) !== undefined ? { count: countLabel(status) } : {})}
              />
            ))}
          </FilterGroup>
          <FilterGroup legend="Severity">
            {SEVERITIES.map((severity) => (
              <FilterChip
                key={severity}
                label={severityTokens[severity].label}
                checked={filters.severities.includes(severity)}
                onChange={(on) => setSeverity(severity, on)}
              />
            ))}
          </FilterGroup>
          <FilterGroup legend="Closed alerts">
            <FilterChip
              label={`Show ${CLOSED_STATUSES.map((status) => statusTokens[status].label.toLowerCase()).join(" and ")}`}
              checked={filters.showClosed}
              onChange={setShowClosed}
            />
          </FilterGroup>
        </div>
        {narrowed ? (
          <div>
            <Button
              variant="ghost"
              size="sm"
              onClick={() => setFilters((current) => ({ ...DEFAULT_INBOX_FILTERS, showClosed: current.showClosed }))}
            >
              <FilterX aria-hidden="true" /> Clear status and severity filters
            </Button>
          </div>
        ) : null}
      </section>

      <section aria-label="Alerts" className="flex flex-col gap-sm">
        <QueryBody query={query} loading="Loading alerts" rows={5}>
          {(data) =>
            sorted.length ? (
              <>
                <p className="text-xs text-muted-foreground">
                  {sorted.length} {sorted.length === 1 ? "alert" : "alerts"}, open first, then by severity and newest.
                  Use the up and down arrow keys to move between alerts.
                </p>
                <AlertList
                  alerts={sorted}
                  label="Alerts, most urgent first"
                  incidentTitle={(id) => incidentTitles.get(id)}
                />
                {data.next_cursor ? (
                  <p className="text-sm text-muted-foreground">
                    Showing the {sorted.length} newest matching alerts. Narrow the filters to find older ones.
                  </p>
                ) : null}
              </>
            ) : narrowed ? (
              <EmptyState title="No alerts match these filters">
                <Button
                  variant="outline"
                  size="sm"
                  onClick={() =>
                    setFilters((current) => ({ ...DEFAULT_INBOX_FILTERS, showClosed: current.showClosed }))
                  }
                >
                  Clear filters
                </Button>
              </EmptyState>
            ) : (
              <EmptyState title={filters.showClosed ? "No alerts yet" : "No open alerts"}>
                New SOS alerts appear here as soon as they are raised; this list refreshes on its own.
              </EmptyState>
            )
          }
        </QueryBody>
      </section>
    </div>
  );
}
