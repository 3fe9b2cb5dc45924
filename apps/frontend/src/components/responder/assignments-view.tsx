"use client";

import type { AlertRead, Severity } from "@sos/contracts";
import Link from "next/link";
import { useMemo, useRef, useState } from "react";
import { PendingOffers } from "@/components/dispatch/pending-offers";
import { TimeAgo } from "@/components/messages/time-ago";
import { CATEGORY_LABEL, CLOSED_STATUSES, OPEN_STATUSES } from "@/components/reporter/categories";
import { Freshness } from "@/components/shell/freshness";
import { StatusBadge } from "@/components/status/badges";
import { EmptyState, ErrorState, LoadingRows } from "@/components/ui/states";
import { useSessionStore } from "@/lib/auth/session-store";
import type { Fix } from "@/lib/geolocation";
import { useAlerts } from "@/lib/queries/alerts";
import { useMyResponderProfile } from "@/lib/queries/my-responder";
import { AssignmentCard } from "./assignment-card";
import { AvailabilityControl } from "./availability-control";
import { LocationSharing } from "./location-sharing";

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Most urgent first; among equals, the one waiting longest. */
const byUrgency = (a: AlertRead, b: AlertRead) =>
  SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Date.parse(a.created_at) - Date.parse(b.created_at);

const closedAt = (alert: AlertRead) => alert.resolved_at ?? alert.cancelled_at ?? alert.updated_at;

const OPEN_FILTER = { status: [...OPEN_STATUSES] };
const CLOSED_FILTER = { status: [...CLOSED_STATUSES], limit: 20 };

/**
 * The responder's console: the dispatch offers waiting for my answer, availability, location sharing, the alerts
 * assigned to me with their next step, and the ones closed recently. The server lists only alerts a responder may see: their assignments and their own SOS.
 */
export function AssignmentsView() {
  const userId = useSessionStore((state) => state.session?.userId);
  const open = useAlerts(OPEN_FILTER);
  const closed = useAlerts(CLOSED_FILTER);
  const profile = useMyResponderProfile();
  const [liveFix, setLiveFix] = useState<Fix | null>(null);
  const from = liveFix ?? profile.data?.last_location ?? null;
  const openHeading = useRef<HTMLHeadingElement>(null);

  // An alert I raised myself is visible to me but is not an assignment.
  const assigned = useMemo(
    () => (open.data?.items ?? []).filter((alert) => alert.reporter_id !== userId).sort(byUrgency),
    [open.data, userId],
  );
  const recentlyClosed = useMemo(
    () => (closed.data?.items ?? []).filter((alert) => alert.reporter_id !== userId).slice(0, 10),
    [closed.data, userId],
  );

  return (
    <div className="flex flex-col gap-xl">
      {/* An accepted offer becomes an open assignment: focus follows it there. */}
      <PendingOffers onAccepted={() => openHeading.current?.focus()} />
      <div className="grid gap-lg md:grid-cols-2">
        <AvailabilityControl />
        <LocationSharing lastShared={profile.data?.last_location} onFix={setLiveFix} />
      </div>

      <section aria-labelledby="open-assignments" className="flex flex-col gap-md">
        <div className="flex flex-wrap items-center justify-between gap-sm">
          <h2 id="open-assignments" ref={openHeading} tabIndex={-1} className="text-xl font-semibold text-foreground">
            Open assignments{open.data ? ` (${assigned.length})` : ""}
          </h2>
          <Freshness updatedAt={open.dataUpdatedAt} failing={open.isError} />
        </div>
        {open.isPending ? (
          <LoadingRows rows={2} label="Loading your assignments" />
        ) : open.isError && !open.data ? (
          <ErrorState error={open.error} onRetry={() => void open.refetch()} />
        ) : assigned.length === 0 ? (
          <EmptyState title="No open assignments">
            When a coordinator assigns you or your team an alert, it appears here at once. Keep your availability up to
            date so they know whether to send you.
          </EmptyState>
        ) : (
          <ul className="grid gap-md lg:grid-cols-2">
            {assigned.map((alert) => (
              <li key={alert.id}>
                <AssignmentCard alert={alert} from={from} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="closed-assignments" className="flex flex-col gap-md">
        <div className="flex flex-wrap items-center justify-between gap-sm">
          <h2 id="closed-assignments" className="text-xl font-semibold text-foreground">
            Recently closed
          </h2>
          <Freshness updatedAt={closed.dataUpdatedAt} failing={closed.isError} />
        </div>
        {closed.isPending ? (
          <LoadingRows rows={2} label="Loading recently closed assignments" />
        ) : closed.isError && !closed.data ? (
          <ErrorState error={closed.error} onRetry={() => void closed.refetch()} />
        ) : recentlyClosed.length === 0 ? (
          <EmptyState title="Nothing closed yet">Alerts you worked on appear here once they are resolved.</EmptyState>
        ) : (
          <ul className="divide-y divide-border rounded-lg border border-border bg-surface">
            {recentlyClosed.map((alert) => (
              <li key={alert.id} className="flex flex-wrap items-center gap-x-md gap-y-xs px-lg py-sm text-sm">
                <StatusBadge status={alert.status} />
                <span className="font-medium text-foreground">{CATEGORY_LABEL[alert.category]}</span>
                <span className="text-muted-foreground">
                  closed <TimeAgo iso={closedAt(alert)} />
                </span>
                <Link
                  href={`/alerts/view/?id=${alert.id}`}
                  className="ml-auto rounded-sm text-primary underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                >
                  Open<span className="sr-only"> the {CATEGORY_LABEL[alert.category].toLowerCase()} alert</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
