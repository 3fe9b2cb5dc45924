"use client";

import type { AlertRead } from "@sos/contracts";
import { Phone } from "lucide-react";
import type { People } from "@/lib/queries/responders";
import { formatAccuracy, formatAge, formatDateTime, formatPosition, SOURCE_LABEL } from "./format";
import { useNow } from "./use-now";

function since(start: string, end: string): string {
  const minutes = Math.round((Date.parse(end) - Date.parse(start)) / 60_000);
  if (minutes < 1) return "within a minute";
  if (minutes < 60) return `after ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `after ${hours} h ${minutes % 60} min`;
}

interface Milestone {
  label: string;
  at: string | null;
  by?: string | null;
  /** Shown even before it happens, to make the progress visible. */
  always: boolean;
}

function milestones(alert: AlertRead): Milestone[] {
  return [
    { label: "Acknowledged", at: alert.acknowledged_at, by: alert.acknowledged_by_id, always: true },
    { label: "Dispatched", at: alert.dispatched_at, by: alert.dispatched_by_id, always: true },
    { label: "On scene", at: alert.on_scene_at, always: true },
    { label: "Resolved", at: alert.resolved_at, by: alert.resolved_by_id, always: alert.status !== "cancelled" },
    { label: "Cancelled", at: alert.cancelled_at, by: alert.cancelled_by_id, always: false },
    { label: "Reopened", at: alert.reopened_at, always: false },
  ];
}

function Row({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[7.5rem_minmax(0,1fr)] gap-sm py-xs sm:grid-cols-[9rem_minmax(0,1fr)]">
      <dt className="text-sm text-muted-foreground">{term}</dt>
      <dd className="text-sm text-foreground">{children}</dd>
    </div>
  );
}

/** Who raised the alert, from where, and when each step of the response happened. */
export function AlertSummary({ alert, people }: { alert: AlertRead; people: People }) {
  const now = useNow();
  const reporter = people.member(alert.reporter_id);
  const accuracy = formatAccuracy(alert.accuracy_m);
  return (
    <dl className="flex flex-col divide-y divide-border">
      <Row term="Reporter">
        <span className="font-medium">{people.nameOf(alert.reporter_id, "The person who raised it")}</span>
        {reporter ? (
          <span className="flex flex-wrap gap-x-md text-muted-foreground">
            <a className="text-primary underline" href={`mailto:${reporter.email}`}>
              {reporter.email}
            </a>
            {reporter.phone ? (
              <a className="inline-flex items-center gap-xs text-primary underline" href={`tel:${reporter.phone}`}>
                <Phone aria-hidden="true" className="size-3.5" />
                <span className="sr-only">Call </span>
                {reporter.phone}
              </a>
            ) : null}
          </span>
        ) : null}
      </Row>
      {alert.note ? (
        <Row term="Note">
          <span className="whitespace-pre-line break-words">{alert.note}</span>
        </Row>
      ) : null}
      <Row term="Position">
        <span className="font-mono tabular-nums">{formatPosition(alert.lat, alert.lon)}</span>
        {accuracy ? <span className="text-muted-foreground"> {accuracy}</span> : null}
        <span className="block text-xs text-muted-foreground">
          Fix from <time dateTime={alert.located_at}>{formatDateTime(alert.located_at)}</time> (
          {formatAge(alert.located_at, now)})
        </span>
      </Row>
      <Row term="Sent via">{SOURCE_LABEL[alert.source]}</Row>
      <Row term="Raised">
        <time dateTime={alert.created_at}>{formatDateTime(alert.created_at)}</time>{" "}
        <span className="text-muted-foreground">({formatAge(alert.created_at, now)})</span>
      </Row>
      {milestones(alert)
        .filter((milestone) => milestone.at || milestone.always)
        .map((milestone) => (
          <Row key={milestone.label} term={milestone.label}>
            {milestone.at ? (
              <>
                <time dateTime={milestone.at}>{formatDateTime(milestone.at)}</time>{" "}
                <span className="text-muted-foreground">
                  ({since(alert.created_at, milestone.at)}
                  {milestone.by ? `, by ${people.nameOf(milestone.by)}` : ""})
                </span>
              </>
            ) : (
              <span className="text-muted-foreground">Not yet</span>
            )}
          </Row>
        ))}
    </dl>
  );
}
