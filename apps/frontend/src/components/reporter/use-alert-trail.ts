"use client";

import { recordAlertLocation, type AlertRead } from "@sos/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { ApiProblem } from "@/lib/api/problem";
import { geolocationFailureOf, getCurrentFix, type GeolocationFailure } from "@/lib/geolocation";
import { keys } from "@/lib/queries/keys";
import { isOpen } from "./categories";

/** How often the reporter's position is added to the trail of their open alert. */
export const TRAIL_INTERVAL_MS = 20_000;

function subscribeVisibility(notify: () => void): () => void {
  document.addEventListener("visibilitychange", notify);
  return () => document.removeEventListener("visibilitychange", notify);
}

/** Whether the page is on screen; a hidden tab does not need to spend the battery on GPS. */
export function usePageVisible(): boolean {
  return useSyncExternalStore(
    subscribeVisibility,
    () => document.visibilityState === "visible",
    () => true,
  );
}

export type TrailState =
  | { kind: "idle" }
  | { kind: "sent"; at: string }
  | { kind: "location-failed"; reason: GeolocationFailure }
  | { kind: "send-failed"; error: unknown };

/**
 * While the alert is open and the page visible, adds the device's position to the alert's trail every 20 s, so
 * coordinators and responders see where the reporter is now, not only where they pressed SOS.
 */
export function useAlertTrail(alert: AlertRead | undefined): TrailState {
  const client = useQueryClient();
  const visible = usePageVisible();
  const [state, setState] = useState<TrailState>({ kind: "idle" });
  const alertId = alert?.id;
  const open = alert ? isOpen(alert.status) : false;
  const closedByServer = useRef<string | null>(null);

  useEffect(() => {
    if (!alertId || !open || !visible || closedByServer.current === alertId) return;
    let stopped = false;
    let busy = false;
    let lastSentFix: string | null = null;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const fix = await getCurrentFix({ timeoutMs: 15_000, maximumAgeMs: 10_000 });
        // The device may hand out the same cached fix again; the trail needs only new ones.
        if (stopped || fix.recorded_at === lastSentFix) return;
        lastSentFix = fix.recorded_at;
        await call(recordAlertLocation({ client: api, path: { alert_id: alertId }, body: fix }));
        if (stopped) return;
        setState({ kind: "sent", at: fix.recorded_at });
        void client.invalidateQueries({ queryKey: keys.alerts.locations(alertId) });
      } catch (error) {
        if (stopped) return;
        const reason = geolocationFailureOf(error);
        if (reason) setState({ kind: "location-failed", reason });
        else if (error instanceof ApiProblem && error.status === 409) {
          // The alert closed meanwhile; its trail no longer changes.
          closedByServer.current = alertId;
          stopped = true;
          clearInterval(timer);
          void client.invalidateQueries({ queryKey: keys.alerts.detail(alertId) });
        } else setState({ kind: "send-failed", error });
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), TRAIL_INTERVAL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [alertId, open, visible, client]);

  return state;
}
