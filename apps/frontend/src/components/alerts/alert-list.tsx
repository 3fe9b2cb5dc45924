"use client";

import type { AlertRead } from "@sos/contracts";
import { severity as severityTokens, status as statusTokens } from "@sos/design-system";
import { FolderKanban, MapPin } from "lucide-react";
import Link from "next/link";
import { useRef, type KeyboardEvent } from "react";
import { SeverityBadge, StatusBadge } from "@/components/status/badges";
import { formatAccuracy, formatAge, formatDateTime, formatPosition, CATEGORY_LABEL, excerpt } from "./format";
import { useNow } from "./use-now";

export const alertHref = (id: string): string => `/alerts/view/?id=${encodeURIComponent(id)}`;
export const incidentHref = (id: string): string => `/incidents/view/?id=${encodeURIComponent(id)}`;

// Rows become table-like when the list itself is wide (a container query), so the same list works in the full-width
// inbox and in the narrower column of an incident page.
const COLUMNS_WITH_INCIDENT = "@min-[56rem]:grid-cols-[7.5rem_8.5rem_minmax(0,1fr)_10rem_7.5rem_11rem]";
const COLUMNS_WITHOUT_INCIDENT = "@min-[56rem]:grid-cols-[7.5rem_8.5rem_minmax(0,1fr)_10rem_7.5rem]";
const columns = (showIncident: boolean) => (showIncident ? COLUMNS_WITH_INCIDENT : COLUMNS_WITHOUT_INCIDENT);

/** Moves focus between the rows' main links with the arrow keys, Home and End. */
export function useRowKeys() {
  const listRef = useRef<HTMLUListElement>(null);
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const keys = ["ArrowDown", "ArrowUp", "Home", "End"];
    if (!keys.includes(event.key) || !listRef.current) return;
    const links = Array.from(listRef.current.querySelectorAll<HTMLAnchorElement>("a[data-row-link]"));
    const row = (event.target as HTMLElement).closest("li");
    const current = links.findIndex((link) => link.closest("li") === row);
    if (current < 0) return;
    const target =
      event.key === "Home"
        ? 0
        : event.key === "End"
          ? links.length - 1
          : Math.min(links.length - 1, Math.max(0, current + (event.key === "ArrowDown" ? 1 : -1)));
    event.preventDefault();
    links[target]?.focus();
  };
  return { listRef, onKeyDown };
}

function AlertRow({
  alert,
  now,
  incidentTitle,
  showIncident,
}: {
  alert: AlertRead;
  now: number;
  incidentTitle?: ((id: string) => string | undefined) | undefined;
  showIncident: boolean;
}) {
  const category = CATEGORY_LABEL[alert.category];
  const age = formatAge(alert.created_at, now);
  const accuracy = formatAccuracy(alert.accuracy_m);
  const note = excerpt(alert.note, 140);
  return (
    <li
      className={`relative grid grid-cols-[minmax(0,1fr)_auto] gap-x-md gap-y-xs rounded-lg border border-border bg-background p-md shadow-sm focus-within:ring-2 focus-within:ring-ring hover:bg-muted @min-[56rem]:items-center @min-[56rem]:rounded-none @min-[56rem]:border-x-0 @min-[56rem]:border-t-0 @min-[56rem]:px-md @min-[56rem]:py-sm @min-[56rem]:shadow-none ${columns(showIncident)}`}
    >
      <div className="flex flex-wrap items-center gap-xs @min-[56rem]:contents">
        <SeverityBadge severity={alert.severity} className="@min-[56rem]:order-1 @min-[56rem]:justify-self-start" />
        <StatusBadge status={alert.status} className="@min-[56rem]:order-2 @min-[56rem]:justify-self-start" />
      </div>
      <p className="text-right text-xs text-muted-foreground @min-[56rem]:order-5 @min-[56rem]:text-left @min-[56rem]:text-sm">
        <time dateTime={alert.created_at} title={formatDateTime(alert.created_at)}>
          {age}
        </time>
      </p>
      <div className="col-span-2 min-w-0 @min-[56rem]:order-3 @min-[56rem]:col-span-1">
        <Link
          href={alertHref(alert.id)}
          data-row-link=""
          className="font-semibold text-foreground after:absolute after:inset-0 after:rounded-lg focus-visible:outline-none"
        >
          {category}
          <span className="sr-only">
            {` alert, ${severityTokens[alert.severity].label}, ${statusTokens[alert.status].label}, raised ${age}`}
          </span>
        </Link>
        {note ? <p className="line-clamp-2 text-sm text-muted-foreground @min-[56rem]:line-clamp-1">{note}</p> : null}
      </div>
      <p className="col-span-2 flex items-center gap-xs text-sm text-muted-foreground @min-[56rem]:order-4 @min-[56rem]:col-span-1">
        <MapPin aria-hidden="true" className="size-3.5 shrink-0" />
        <span>
          <span className="sr-only">Location </span>
          <span className="font-mono tabular-nums">{formatPosition(alert.lat, alert.lon)}</span>
          {accuracy ? <span> {accuracy}</span> : null}
        </span>
      </p>
      {showIncident ? (
        <p className="col-span-2 min-w-0 text-sm @min-[56rem]:order-6 @min-[56rem]:col-span-1">
          {alert.incident_id ? (
            <Link
              href={incidentHref(alert.incident_id)}
              className="relative z-10 inline-flex max-w-full items-center gap-xs rounded-sm text-primary underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            >
              <FolderKanban aria-hidden="true" className="size-3.5 shrink-0" />
              <span className="truncate">
                <span className="sr-only">Incident: </span>
                {incidentTitle?.(alert.incident_id) ?? "Open incident"}
              </span>
            </Link>
          ) : (
            <span className="hidden text-muted-foreground @min-[56rem]:inline">
              <span aria-hidden="true">—</span>
              <span className="sr-only">Not in an incident</span>
            </span>
          )}
        </p>
      ) : null}
    </li>
  );
}

/**
 * Alerts as cards on small screens and as table-like rows on wide ones. Each row is one link (the whole card is
 * clickable); the arrow keys, Home and End move between rows.
 */
export function AlertList({
  alerts,
  label,
  incidentTitle,
  showIncident = true,
}: {
  alerts: readonly AlertRead[];
  label: string;
  incidentTitle?: (id: string) => string | undefined;
  showIncident?: boolean;
}) {
  const now = useNow();
  const { listRef, onKeyDown } = useRowKeys();
  return (
    <div className="@container">
      <div className="@min-[56rem]:rounded-lg @min-[56rem]:border @min-[56rem]:border-border">
      <div
        aria-hidden="true"
        className={`hidden gap-x-md border-b border-border bg-surface px-md py-sm text-xs font-semibold uppercase tracking-wide text-muted-foreground @min-[56rem]:grid @min-[56rem]:rounded-t-lg ${columns(showIncident)}`}
      >
        <span>Severity</span>
        <span>Status</span>
        <span>Alert</span>
        <span>Location</span>
        <span>Raised</span>
        {showIncident ? <span>Incident</span> : null}
      </div>
      <ul ref={listRef} aria-label={label} onKeyDown={onKeyDown} className="flex flex-col gap-sm @min-[56rem]:gap-0">
        {alerts.map((alert) => (
          <AlertRow
            key={alert.id}
            alert={alert}
            now={now}
            incidentTitle={incidentTitle}
            showIncident={showIncident}
          />
        ))}
      </ul>
      </div>
    </div>
  );
}
