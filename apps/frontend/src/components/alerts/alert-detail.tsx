"use client";

import type { AlertRead, LocationRead, Role } from "@sos/contracts";
import { severity as severityTokens } from "@sos/design-system";
import { ArrowLeft, FolderKanban } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { DispatchPanel } from "@/components/dispatch/dispatch-panel";
import { AddToIncidentDialog } from "@/components/incidents/add-to-incident-dialog";
import { GeoMap } from "@/components/map/geo-map";
import type { MapPoint, MapTrail } from "@/components/map/map-types";
import { MessageThread } from "@/components/messages/message-thread";
import { Freshness } from "@/components/shell/freshness";
import { SeverityBadge, StatusBadge } from "@/components/status/badges";
import { Card } from "@/components/ui/card";
import { Section } from "./section";
import { EmptyState, ErrorState, LoadingRows, QueryBody } from "@/components/ui/states";
import { useSessionStore } from "@/lib/auth/session-store";
import { useAlert, useAlertAssignments, useAlertLocations, useAlertTimeline } from "@/lib/queries/alerts";
import { useIncident } from "@/lib/queries/incidents";
import { usePeople, useTeamsById, type People } from "@/lib/queries/responders";
import { homeFor, isStaff } from "@/lib/roles";
import { AlertActions } from "./alert-actions";
import { incidentHref } from "./alert-list";
import { AlertSummary } from "./alert-summary";
import { AssignmentsPanel } from "./assignments-panel";
import { CATEGORY_LABEL, formatAge, isGone, shortId } from "./format";
import { isOpen } from "./inbox-model";
import { Timeline } from "./timeline";
import { useNow } from "./use-now";

/** The alert's position now (with its accuracy) and the trail of fixes it came along. */
export function alertMapFeatures(
  alert: AlertRead,
  locations: readonly LocationRead[] | undefined,
): { points: MapPoint[]; trails: MapTrail[] } {
  const label = `${severityTokens[alert.severity].label} ${CATEGORY_LABEL[alert.category].toLowerCase()} alert`;
  const points: MapPoint[] = [
    {
      id: alert.id,
      lat: alert.lat,
      lon: alert.lon,
      accuracyM: alert.accuracy_m,
      label: `${label}: latest position`,
      tone: isOpen(alert.status) ? alert.severity : "closed",
    },
  ];
  const fixes = (locations ?? []).map((location) => ({
    lat: location.lat,
    lon: location.lon,
    recordedAt: location.recorded_at,
    accuracyM: location.accuracy_m,
  }));
  const trails: MapTrail[] = fixes.length > 1 ? [{ id: `${alert.id}-trail`, label: "Movement trail", fixes }] : [];
  return { points, trails };
}

/** Staff follow the link to the incident; responders see its title (the incident pages are the coordinators'). */
function IncidentLine({ incidentId, linked }: { incidentId: string; linked: boolean }) {
  const incident = useIncident(incidentId);
  if (!linked) {
    return (
      <p className="flex items-center gap-xs text-sm font-medium text-foreground">
        <FolderKanban aria-hidden="true" className="size-4" />
        {incident.data ? incident.data.title : "Part of an incident"}
      </p>
    );
  }
  return (
    <Link
      href={incidentHref(incidentId)}
      className="inline-flex items-center gap-xs rounded-sm text-sm font-medium text-primary underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
    >
      <FolderKanban aria-hidden="true" className="size-4" />
      {incident.data ? incident.data.title : "Open the incident"}
    </Link>
  );
}

/**
 * Responders cannot read the member directory, so on their screen people are named by what the alert says about
 * them: who reported it, who is assigned, who assigned (a coordinator). Staff see names.
 */
function useAlertPeople(alert: AlertRead): People {
  const people = usePeople();
  const assignments = useAlertAssignments(alert.id).data;
  return useMemo(() => {
    if (people.hasDirectory) return people;
    const assignedResponder = (id: string) => assignments?.some((assignment) => assignment.responder_id === id);
    const assigner = (id: string) => assignments?.some((assignment) => assignment.assigned_by_id === id);
    return {
      ...people,
      nameOf: (id, fallback) => {
        const known = people.nameOf(id, "");
        if (known || !id) return known;
        if (id === alert.reporter_id) return "Reporter";
        if (assigner(id)) return "Coordinator";
        // A caller's own fallback ("a responder") already reads right inside its sentence.
        if (fallback === undefined && assignedResponder(id)) return "Responder";
        return fallback ?? "Another member";
      },
    };
  }, [people, assignments, alert.reporter_id]);
}

function AlertBody({
  alert,
  role,
  dataUpdatedAt,
  failing,
}: {
  alert: AlertRead;
  role: Role;
  dataUpdatedAt: number;
  failing: boolean;
}) {
  const staff = isStaff(role);
  const now = useNow();
  const people = useAlertPeople(alert);
  const teams = useTeamsById();
  const locations = useAlertLocations(alert.id);
  const timeline = useAlertTimeline(alert.id);
  const incident = useIncident(alert.incident_id ?? undefined);
  const { points, trails } = useMemo(() => alertMapFeatures(alert, locations.data), [alert, locations.data]);
  const timelineContext = useMemo(
    () => ({
      nameOf: people.nameOf,
      teamName: (id: string) => teams.byId.get(id)?.name,
      incidentTitle: (id: string) => (incident.data?.id === id ? incident.data.title : undefined),
    }),
    [people.nameOf, teams.byId, incident.data],
  );
  const category = CATEGORY_LABEL[alert.category];

  return (
    <div className="flex flex-col gap-lg">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <Link
          href={staff ? "/alerts/" : homeFor(role)}
          className="inline-flex items-center gap-xs rounded-sm text-sm text-primary underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <ArrowLeft aria-hidden="true" className="size-4" /> {staff ? "All alerts" : "My assignments"}
        </Link>
        <Freshness updatedAt={dataUpdatedAt} failing={failing} />
      </div>

      <Card className="flex flex-col gap-md" role="region" aria-labelledby="alert-heading">
        <div className="flex flex-wrap items-center gap-sm">
          <SeverityBadge severity={alert.severity} />
          <StatusBadge status={alert.status} />
          <h2 id="alert-heading" className="text-xl font-semibold text-foreground">
            {category} alert
          </h2>
          <span className="text-sm text-muted-foreground">
            raised {formatAge(alert.created_at, now)} · ref {shortId(alert.id)}
          </span>
        </div>
        <AlertActions alert={alert} role={role} />
      </Card>

      <div className="grid gap-lg lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="flex min-w-0 flex-col gap-lg">
          <Section title="Details" id="alert-details">
            <AlertSummary alert={alert} people={people} />
          </Section>
          <Section title="Map" id="alert-map">
            {locations.isError && !locations.data ? (
              <p className="text-sm text-muted-foreground">
                The movement trail could not be loaded; the map shows the latest known position.
              </p>
            ) : null}
            <GeoMap
              label={`Map of the ${category.toLowerCase()} alert's position and trail`}
              points={points}
              trails={trails}
            />
          </Section>
          {/* The thread brings its own "Messages" heading and freshness line. */}
          <Card>
            <MessageThread thread={{ kind: "alert", id: alert.id }} />
          </Card>
        </div>
        <div className="flex min-w-0 flex-col gap-lg">
          <Section title="Assigned" id="alert-assigned">
            <AssignmentsPanel alert={alert} people={people} canManage={staff} />
          </Section>
          {staff ? (
            <Section title="Dispatch" id="alert-dispatch">
              <DispatchPanel alert={alert} people={people} />
            </Section>
          ) : null}
          <Section
            title="Incident"
            id="alert-incident"
            actions={staff && isOpen(alert.status) ? <AddToIncidentDialog alert={alert} /> : undefined}
          >
            {alert.incident_id ? (
              <IncidentLine incidentId={alert.incident_id} linked={staff} />
            ) : (
              <p className="text-sm text-muted-foreground">Not part of an incident.</p>
            )}
          </Section>
          <Section title="Timeline" id="alert-timeline">
            <QueryBody query={timeline} loading="Loading the timeline" rows={3}>
              {(data) => (
                <Timeline entries={data.items} context={timelineContext} truncated={Boolean(data.next_cursor)} />
              )}
            </QueryBody>
          </Section>
        </div>
      </div>
    </div>
  );
}

/** /alerts/view/?id=…: one alert for staff (who manage it) and for assigned responders (who work it). */
export function AlertDetailFor({ id }: { id: string | undefined }) {
  const role = useSessionStore((state) => state.session?.role);
  const query = useAlert(id);
  if (!id) {
    return (
      <EmptyState title="No alert chosen">
        <Link className="text-primary underline" href={role && !isStaff(role) ? homeFor(role) : "/alerts/"}>
          Pick an alert from the list
        </Link>
        .
      </EmptyState>
    );
  }
  if (!role) return null;
  if (query.data) {
    return <AlertBody alert={query.data} role={role} dataUpdatedAt={query.dataUpdatedAt} failing={query.isError} />;
  }
  if (query.isError) {
    return (
      <div className="flex flex-col gap-md">
        <ErrorState error={query.error} {...(isGone(query.error) ? {} : { onRetry: () => void query.refetch() })} />
        <Link className="text-sm text-primary underline" href={isStaff(role) ? "/alerts/" : homeFor(role)}>
          Back to {isStaff(role) ? "all alerts" : "my assignments"}
        </Link>
      </div>
    );
  }
  return <LoadingRows rows={6} label="Loading the alert" />;
}
