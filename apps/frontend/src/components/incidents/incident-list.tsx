"use client";

import type { IncidentRead, IncidentStatus, Severity } from "@sos/contracts";
import { severity as severityTokens } from "@sos/design-system";
import { Siren, UserRound } from "lucide-react";
import Link from "next/link";
import { useMemo, useState } from "react";
import { incidentHref, useRowKeys } from "@/components/alerts/alert-list";
import { formatAge, formatDateTime } from "@/components/alerts/format";
import { useNow } from "@/components/alerts/use-now";
import { Freshness } from "@/components/shell/freshness";
import { SeverityBadge } from "@/components/status/badges";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { useIncidents, type IncidentFilters } from "@/lib/queries/incidents";
import { usePeople } from "@/lib/queries/responders";
import { IncidentStatusBadge } from "./incident-status-badge";

type StatusView = "open" | "resolved" | "all";

const VIEWS: ReadonlyArray<{ value: StatusView; label: string }> = [
  { value: "open", label: "Open" },
  { value: "resolved", label: "Resolved" },
  { value: "all", label: "All" },
];

export function toIncidentQuery(view: StatusView): IncidentFilters {
  return view === "all" ? {} : { status: [view as IncidentStatus] };
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Open first, then most severe, then newest: the same urgency order as the alert inbox. */
export function sortIncidents(incidents: readonly IncidentRead[]): IncidentRead[] {
  return [...incidents].sort(
    (a, b) =>
      Number(a.status !== "open") - Number(b.status !== "open") ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Date.parse(b.created_at) - Date.parse(a.created_at),
  );
}

const COLUMNS = "lg:grid-cols-[minmax(0,1fr)_7.5rem_7.5rem_12rem_5rem_9rem]";

function IncidentRow({ incident, now, commander }: { incident: IncidentRead; now: number; commander: string }) {
  const alerts = incident.alert_ids?.length ?? 0;
  return (
    <li
      className={`relative grid grid-cols-[minmax(0,1fr)_auto] gap-x-md gap-y-xs rounded-lg border border-border bg-background p-md shadow-sm focus-within:ring-2 focus-within:ring-ring hover:bg-muted lg:items-center lg:rounded-none lg:border-x-0 lg:border-t-0 lg:py-sm lg:shadow-none ${COLUMNS}`}
    >
      <div className="col-span-2 min-w-0 lg:col-span-1">
        <Link
          href={incidentHref(incident.id)}
          data-row-link=""
          className="font-semibold text-foreground after:absolute after:inset-0 after:rounded-lg focus-visible:outline-none"
        >
          {incident.title}
          <span className="sr-only">
            {`, ${severityTokens[incident.severity].label}, ${incident.status}, ${alerts} alerts`}
          </span>
        </Link>
        {incident.summary ? (
          <p className="line-clamp-2 text-sm text-muted-foreground lg:line-clamp-1">{incident.summary}</p>
        ) : null}
      </div>
      <div className="flex flex-wrap gap-xs lg:contents">
        <SeverityBadge severity={incident.severity} className="lg:justify-self-start" />
        <IncidentStatusBadge status={incident.status} className="lg:justify-self-start" />
      </div>
      <p className="flex items-center gap-xs text-sm text-muted-foreground lg:text-foreground">
        <UserRound aria-hidden="true" className="size-3.5 shrink-0 lg:hidden" />
        <span className="sr-only">Commander: </span>
        <span className="truncate">{commander}</span>
      </p>
      <p className="col-span-2 text-sm text-muted-foreground lg:col-span-1 lg:text-foreground">
        <span className="tabular-nums">{alerts}</span>{" "}
        <span className="lg:sr-only">{alerts === 1 ? "alert" : "alerts"}</span>
      </p>
      <p className="col-span-2 text-sm text-muted-foreground lg:col-span-1">
        <span className="lg:sr-only">Opened </span>
        <time dateTime={incident.created_at} title={formatDateTime(incident.created_at)}>
          {formatAge(incident.created_at, now)}
        </time>
      </p>
    </li>
  );
}

/** The incidents of the organization, open ones first, filtered by status. */
export function IncidentList() {
  const [view, setView] = useState<StatusView>("open");
  const query = useIncidents(toIncidentQuery(view));
  const people = usePeople();
  const now = useNow();
  const { listRef, onKeyDown } = useRowKeys();
  const incidents = useMemo(() => sortIncidents(query.data?.items ?? []), [query.data]);

  return (
    <div className="flex flex-col gap-lg">
      <div className="flex flex-wrap items-end justify-between gap-sm">
        <fieldset>
          <legend className="mb-xs text-xs font-semibold uppercase tracking-wide text-muted-foreground">Status</legend>
          <div className="inline-flex rounded-md border border-input p-2xs">
            {VIEWS.map((option) => (
              <label
                key={option.value}
                className="inline-flex h-8 cursor-pointer items-center rounded-sm px-md text-sm text-foreground has-[:checked]:bg-primary has-[:checked]:text-primary-foreground has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
              >
                <input
                  type="radio"
                  name="incident-status"
                  value={option.value}
                  checked={view === option.value}
                  onChange={() => setView(option.value)}
                  className="sr-only"
                />
                {option.label}
              </label>
            ))}
          </div>
        </fieldset>
        <Freshness updatedAt={query.dataUpdatedAt} failing={query.isError} />
      </div>
      <section aria-label="Incidents" className="flex flex-col gap-sm">
        <QueryBody query={query} loading="Loading incidents" rows={4}>
          {(data) =>
            incidents.length ? (
              <div className="lg:rounded-lg lg:border lg:border-border">
                <div
                  aria-hidden="true"
                  className={`hidden gap-x-md border-b border-border bg-surface px-md py-sm text-xs font-semibold uppercase tracking-wide text-muted-foreground lg:grid lg:rounded-t-lg ${COLUMNS}`}
                >
                  <span>Incident</span>
                  <span>Severity</span>
                  <span>Status</span>
                  <span>Commander</span>
                  <span>Alerts</span>
                  <span>Opened</span>
                </div>
                <ul
                  ref={listRef}
                  onKeyDown={onKeyDown}
                  aria-label="Incidents, open and most severe first"
                  className="flex flex-col gap-sm lg:gap-0"
                >
                  {incidents.map((incident) => (
                    <IncidentRow
                      key={incident.id}
                      incident={incident}
                      now={now}
                      commander={incident.commander_id ? people.nameOf(incident.commander_id) : "No commander"}
                    />
                  ))}
                </ul>
                {data.next_cursor ? (
                  <p className="p-md text-sm text-muted-foreground">
                    Showing the {incidents.length} newest incidents; older ones are not listed here.
                  </p>
                ) : null}
              </div>
            ) : (
              <EmptyState
                title={
                  view === "resolved"
                    ? "No resolved incidents"
                    : view === "open"
                      ? "No open incidents"
                      : "No incidents yet"
                }
              >
                <span className="inline-flex items-center gap-xs">
                  <Siren aria-hidden="true" className="size-4" />
                  Open an incident to group related alerts under one commander and one conversation.
                </span>
              </EmptyState>
            )
          }
        </QueryBody>
      </section>
    </div>
  );
}
