"use client";

import type { AlertRead, IncidentAction, IncidentRead } from "@sos/contracts";
import { severity as severityTokens, status as statusTokens } from "@sos/design-system";
import { ArrowLeft, Check, RotateCcw } from "lucide-react";
import Link from "next/link";
import { useId, useMemo, useState } from "react";
import { AlertList, alertHref } from "@/components/alerts/alert-list";
import { CATEGORY_LABEL, formatAge, formatDateTime, isGone } from "@/components/alerts/format";
import { countByStatus, isOpen, sortForInbox } from "@/components/alerts/inbox-model";
import { Timeline } from "@/components/alerts/timeline";
import { useNow } from "@/components/alerts/use-now";
import { GeoMap } from "@/components/map/geo-map";
import type { MapPoint } from "@/components/map/map-types";
import { MessageThread } from "@/components/messages/message-thread";
import { Freshness } from "@/components/shell/freshness";
import { SeverityBadge } from "@/components/status/badges";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Section } from "@/components/alerts/section";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { EmptyState, ErrorState, LoadingRows, QueryBody } from "@/components/ui/states";
import { useAlerts } from "@/lib/queries/alerts";
import { useIncident, useIncidentTimeline, useIncidentTransition } from "@/lib/queries/incidents";
import { usePeople, useTeamsById } from "@/lib/queries/responders";
import { notify, notifyError } from "@/lib/toast";
import { EditIncidentDialog } from "./edit-incident-dialog";
import { IncidentStatusBadge } from "./incident-status-badge";
import { MergeAlertsDialog } from "./merge-alerts-dialog";

const alertLabel = (alert: AlertRead): string =>
  `${severityTokens[alert.severity].label} ${CATEGORY_LABEL[alert.category].toLowerCase()} alert`;

export function incidentMapPoints(alerts: readonly AlertRead[]): MapPoint[] {
  return alerts.map((alert) => ({
    id: alert.id,
    lat: alert.lat,
    lon: alert.lon,
    accuracyM: alert.accuracy_m,
    label: alertLabel(alert),
    detail: `${statusTokens[alert.status].label}${alert.note ? ` · ${alert.note}` : ""}`,
    tone: isOpen(alert.status) ? alert.severity : "closed",
    href: alertHref(alert.id),
    hrefLabel: "Open the alert",
  }));
}

/** Resolve (with an optional note, after confirming) or reopen, both with If-Match. */
function IncidentTransitions({ incident }: { incident: IncidentRead }) {
  const transition = useIncidentTransition(incident);
  const [confirming, setConfirming] = useState(false);
  const [note, setNote] = useState("");
  const noteId = useId();
  const actions = incident.allowed_actions ?? [];

  const run = (action: IncidentAction) => {
    const trimmed = note.trim();
    transition.mutate(
      { action, ...(trimmed ? { note: trimmed } : {}) },
      {
        onSuccess: () => {
          notify({ tone: "success", title: action === "resolve" ? "Incident resolved" : "Incident reopened" });
          setConfirming(false);
          setNote("");
        },
        onError: (error) => notifyError(`Could not ${action} the incident`, error),
      },
    );
  };

  return (
    <>
      {actions.includes("resolve") ? (
        <Button onClick={() => setConfirming(true)} disabled={transition.isPending}>
          <Check aria-hidden="true" /> Resolve
        </Button>
      ) : null}
      {actions.includes("reopen") ? (
        <Button variant="outline" onClick={() => run("reopen")} disabled={transition.isPending}>
          <RotateCcw aria-hidden="true" /> {transition.isPending ? "Reopening…" : "Reopen"}
        </Button>
      ) : null}
      <Dialog open={confirming} onOpenChange={setConfirming}>
        <DialogContent
          title="Resolve this incident?"
          description="Its alerts keep their own status: resolve or cancel them separately if they are still open."
        >
          <Field id={noteId} label="Closing note (optional)" hint="Saved on the timeline.">
            <Textarea
              id={noteId}
              aria-describedby={`${noteId}-hint`}
              value={note}
              maxLength={2000}
              rows={3}
              onChange={(event) => setNote(event.target.value)}
            />
          </Field>
          <div className="flex flex-wrap justify-end gap-sm">
            <DialogClose asChild>
              <Button variant="outline">Keep it open</Button>
            </DialogClose>
            <Button onClick={() => run("resolve")} disabled={transition.isPending}>
              <Check aria-hidden="true" /> {transition.isPending ? "Resolving…" : "Resolve incident"}
            </Button>
          </div>
        </DialogContent>
      </Dialog>
    </>
  );
}

function IncidentBody({
  incident,
  dataUpdatedAt,
  failing,
}: {
  incident: IncidentRead;
  dataUpdatedAt: number;
  failing: boolean;
}) {
  const now = useNow();
  const people = usePeople();
  const teams = useTeamsById();
  const alertsQuery = useAlerts({ incident_id: incident.id });
  const timeline = useIncidentTimeline(incident.id);
  const alerts = useMemo(() => sortForInbox(alertsQuery.data?.items ?? []), [alertsQuery.data]);
  const alertsById = useMemo(() => new Map(alerts.map((alert) => [alert.id, alert])), [alerts]);
  const points = useMemo(() => incidentMapPoints(alerts), [alerts]);
  const counts = countByStatus(alerts);
  const openAlerts = alerts.filter((alert) => isOpen(alert.status)).length;
  const timelineContext = useMemo(
    () => ({
      nameOf: people.nameOf,
      teamName: (id: string) => teams.byId.get(id)?.name,
      incidentTitle: (id: string) => (id === incident.id ? incident.title : undefined),
    }),
    [people.nameOf, teams.byId, incident.id, incident.title],
  );
  const alertLink = (alertId: string) => {
    const alert = alertsById.get(alertId);
    return { href: alertHref(alertId), label: alert ? alertLabel(alert) : "Alert" };
  };

  return (
    <div className="flex flex-col gap-lg">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <Link
          href="/incidents/"
          className="inline-flex items-center gap-xs rounded-sm text-sm text-primary underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <ArrowLeft aria-hidden="true" className="size-4" /> All incidents
        </Link>
        <Freshness updatedAt={dataUpdatedAt} failing={failing} />
      </div>

      <Card className="flex flex-col gap-md" role="region" aria-labelledby="incident-heading">
        <div className="flex flex-wrap items-center gap-sm">
          <SeverityBadge severity={incident.severity} />
          <IncidentStatusBadge status={incident.status} />
          <h2 id="incident-heading" className="min-w-0 break-words text-xl font-semibold text-foreground">
            {incident.title}
          </h2>
        </div>
        {incident.summary ? (
          <p className="whitespace-pre-line break-words text-sm text-foreground">{incident.summary}</p>
        ) : (
          <p className="text-sm text-muted-foreground">No summary yet.</p>
        )}
        <dl className="grid gap-x-xl gap-y-xs text-sm sm:grid-cols-2 lg:grid-cols-4">
          <div>
            <dt className="text-muted-foreground">Commander</dt>
            <dd className="font-medium text-foreground">
              {incident.commander_id ? people.nameOf(incident.commander_id) : "No commander yet"}
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Opened</dt>
            <dd className="text-foreground">
              <time dateTime={incident.created_at} title={formatDateTime(incident.created_at)}>
                {formatAge(incident.created_at, now)}
              </time>
              {incident.created_by_id ? ` by ${people.nameOf(incident.created_by_id)}` : ""}
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Alerts</dt>
            <dd className="text-foreground">
              {alertsQuery.data ? `${alerts.length} (${openAlerts} open)` : `${incident.alert_ids?.length ?? 0}`}
            </dd>
          </div>
          <div>
            <dt className="text-muted-foreground">{incident.resolved_at ? "Resolved" : "Last change"}</dt>
            <dd className="text-foreground">
              <time
                dateTime={incident.resolved_at ?? incident.updated_at}
                title={formatDateTime(incident.resolved_at ?? incident.updated_at)}
              >
                {formatAge(incident.resolved_at ?? incident.updated_at, now)}
              </time>
            </dd>
          </div>
        </dl>
        <div className="flex flex-wrap gap-sm">
          <IncidentTransitions incident={incident} />
          <EditIncidentDialog incident={incident} />
        </div>
      </Card>

      <div className="grid gap-lg lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="flex min-w-0 flex-col gap-lg">
          <Section
            title="Alerts"
            id="incident-alerts"
            actions={incident.status === "open" ? <MergeAlertsDialog incident={incident} /> : undefined}
          >
            <QueryBody query={alertsQuery} loading="Loading the incident's alerts" rows={2}>
              {() =>
                alerts.length ? (
                  <>
                    <p className="text-xs text-muted-foreground">
                      {(Object.keys(counts) as Array<keyof typeof counts>)
                        .filter((status) => counts[status] > 0)
                        .map((status) => `${counts[status]} ${statusTokens[status].label.toLowerCase()}`)
                        .join(" · ")}
                    </p>
                    <AlertList alerts={alerts} label="Alerts in this incident" showIncident={false} />
                  </>
                ) : (
                  <EmptyState title="No alerts in this incident">
                    {incident.status === "open" ? "Use “Add alerts” to group open alerts under it." : null}
                  </EmptyState>
                )
              }
            </QueryBody>
          </Section>
          <Section title="Map" id="incident-map">
            <GeoMap
              label={`Map of the ${alerts.length} alerts of incident ${incident.title}`}
              points={points}
              emptyText={alertsQuery.data ? "This incident has no alerts to show." : "Loading positions…"}
            />
          </Section>
          {/* The thread brings its own "Messages" heading and freshness line. */}
          <Card>
            <MessageThread thread={{ kind: "incident", id: incident.id }} />
          </Card>
        </div>
        <div className="flex min-w-0 flex-col gap-lg">
          <Section title="Timeline" id="incident-timeline">
            <QueryBody query={timeline} loading="Loading the timeline" rows={3}>
              {(data) => (
                <Timeline
                  entries={data.items}
                  context={timelineContext}
                  alertLink={alertLink}
                  truncated={Boolean(data.next_cursor)}
                />
              )}
            </QueryBody>
          </Section>
        </div>
      </div>
    </div>
  );
}

/** /incidents/view/?id=…: one incident with its alerts, map, timeline and conversation. */
export function IncidentDetailFor({ id }: { id: string | undefined }) {
  const query = useIncident(id);
  if (!id) {
    return (
      <EmptyState title="No incident chosen">
        <Link className="text-primary underline" href="/incidents/">
          Pick an incident from the list
        </Link>
        .
      </EmptyState>
    );
  }
  if (query.data) {
    return <IncidentBody incident={query.data} dataUpdatedAt={query.dataUpdatedAt} failing={query.isError} />;
  }
  if (query.isError) {
    return (
      <div className="flex flex-col gap-md">
        <ErrorState error={query.error} {...(isGone(query.error) ? {} : { onRetry: () => void query.refetch() })} />
        <Link className="text-sm text-primary underline" href="/incidents/">
          Back to all incidents
        </Link>
      </div>
    );
  }
  return <LoadingRows rows={6} label="Loading the incident" />;
}
