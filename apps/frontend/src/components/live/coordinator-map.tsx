"use client";

import type { AlertRead, LocationRead, ResponderRead } from "@sos/contracts";
import { severity as severityTokens, status as statusTokens } from "@sos/design-system";
import { useMemo } from "react";
import { alertHref } from "@/components/alerts/alert-list";
import { CATEGORY_LABEL, formatAge } from "@/components/alerts/format";
import { isOpen, OPEN_STATUSES, sortForInbox } from "@/components/alerts/inbox-model";
import { useNow } from "@/components/alerts/use-now";
import { GeoMap } from "@/components/map/geo-map";
import type { MapPoint, MapTrail } from "@/components/map/map-types";
import { AVAILABILITY_LABEL } from "@/components/responders/availability-badge";
import { formatSkill } from "@/components/responders/skills";
import { useAlerts } from "@/lib/queries/alerts";
import { useAlertTrails } from "./use-alert-trails";

/** Trails are fetched for this many open alerts at most (the most urgent first); every open alert is still shown. */
export const MAX_ALERT_TRAILS = 25;
/** How often the "last seen" ages count on. */
const AGE_TICK_MS = 5_000;

const OPEN_FILTER = { status: [...OPEN_STATUSES] };

/** "last seen 40 s ago", to the second while it is recent: on a live map a minute is a long time. */
export function formatLastSeen(iso: string, now: number): string {
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (elapsed < 5_000) return "last seen just now";
  if (elapsed < 60_000) return `last seen ${Math.floor(elapsed / 1000)} s ago`;
  return `last seen ${formatAge(iso, now)}`;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const alertName = (alert: AlertRead): string =>
  `${severityTokens[alert.severity].label} ${CATEGORY_LABEL[alert.category].toLowerCase()} alert`;

/** Responders with a known position: name and availability, when they were last seen, their skills. */
export function responderMapPoints(responders: readonly ResponderRead[], now: number): MapPoint[] {
  return responders.flatMap((responder) => {
    const fix = responder.last_location;
    if (!fix) return [];
    const skills = responder.skills.length ? ` · ${responder.skills.map(formatSkill).join(", ")}` : "";
    return [
      {
        id: `responder:${responder.user_id}`,
        lat: fix.lat,
        lon: fix.lon,
        accuracyM: fix.accuracy_m,
        label: `${responder.full_name} (${AVAILABILITY_LABEL[responder.availability].toLowerCase()})`,
        detail: `${capitalized(formatLastSeen(fix.recorded_at, now))}${skills}`,
        tone: responder.availability,
      },
    ];
  });
}

/** Open alerts at the position of the person in danger, with their status and when that position was taken. */
export function alertMapPoints(alerts: readonly AlertRead[], now: number): MapPoint[] {
  return alerts.map((alert) => ({
    id: `alert:${alert.id}`,
    lat: alert.lat,
    lon: alert.lon,
    accuracyM: alert.accuracy_m,
    label: alertName(alert),
    detail: `${statusTokens[alert.status].label} · ${formatLastSeen(alert.located_at, now)}`,
    tone: alert.severity,
    href: alertHref(alert.id),
    hrefLabel: "Open the alert",
  }));
}

export function alertMapTrails(
  alerts: readonly AlertRead[],
  trails: ReadonlyMap<string, readonly LocationRead[]>,
): MapTrail[] {
  return alerts.flatMap((alert) => {
    const fixes = trails.get(alert.id);
    if (!fixes || fixes.length < 2) return [];
    return [
      {
        id: `trail:${alert.id}`,
        label: `Trail of the ${alertName(alert).toLowerCase()}`,
        fixes: fixes.map((fix) => ({
          lat: fix.lat,
          lon: fix.lon,
          recordedAt: fix.recorded_at,
          accuracyM: fix.accuracy_m,
        })),
      },
    ];
  });
}

/**
 * The coordinator's live map: responders where they were last seen and every open alert with the trail of the
 * person in danger. The stream writes new fixes into the cache, so markers move as fixes arrive, each with its
 * accuracy circle and a "last seen" age that keeps counting; the list under the map says the same in text.
 */
export function CoordinatorMap({
  responders,
  emptyText = "No responder or open alert has a position to show.",
}: {
  responders: readonly ResponderRead[];
  emptyText?: string;
}) {
  const now = useNow(AGE_TICK_MS);
  const openQuery = useAlerts(OPEN_FILTER);
  const alerts = useMemo(
    () => sortForInbox(openQuery.data?.items ?? []).filter((alert) => isOpen(alert.status)),
    [openQuery.data],
  );
  const trailIds = useMemo(() => alerts.slice(0, MAX_ALERT_TRAILS).map((alert) => alert.id), [alerts]);
  const trailsById = useAlertTrails(trailIds);
  const points = useMemo(
    () => [...alertMapPoints(alerts, now), ...responderMapPoints(responders, now)],
    [alerts, responders, now],
  );
  const trails = useMemo(() => alertMapTrails(alerts, trailsById), [alerts, trailsById]);
  const located = responders.filter((responder) => responder.last_location).length;

  return (
    <div className="flex flex-col gap-xs">
      <GeoMap
        label={`Live map of ${alerts.length} open ${alerts.length === 1 ? "alert" : "alerts"} and ${located} ${located === 1 ? "responder" : "responders"}`}
        points={points}
        trails={trails}
        emptyText={emptyText}
      />
      {alerts.length > MAX_ALERT_TRAILS ? (
        <p className="text-xs text-muted-foreground">
          Trails are drawn for the {MAX_ALERT_TRAILS} most urgent open alerts; the others show their latest position.
        </p>
      ) : null}
    </div>
  );
}
