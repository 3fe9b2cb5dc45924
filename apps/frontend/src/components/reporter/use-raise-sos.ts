"use client";

import type { AlertRead, Category } from "@sos/contracts";
import { onlineManager } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiProblem, networkProblem } from "@/lib/api/problem";
import { geolocationFailureOf, getCurrentFix, type GeolocationFailure } from "@/lib/geolocation";
import { useRaiseAlert } from "@/lib/queries/alerts";
import { clearPendingSos, loadPendingSos, newIdempotencyKey, savePendingSos, type PendingSos } from "./pending-sos";

/** How often a waiting SOS is tried again while the browser believes it is online (the server may be down). */
export const RETRY_MS = 15_000;
/** An unconfirmed SOS found after a reload is sent again only if it was pressed this recently. */
const RESUME_WITHIN_MS = 30 * 60 * 1000;

export type SosState =
  | { phase: "idle" }
  | { phase: "locating" }
  | { phase: "location-failed"; reason: GeolocationFailure }
  | { phase: "sending"; pending: PendingSos }
  /** Not confirmed by the server, for a reason that may pass (offline, server down): it is retried on its own. */
  | { phase: "waiting"; pending: PendingSos; error: ApiProblem }
  /** The server refused the SOS as it is; retrying the same request cannot help. */
  | { phase: "refused"; error: unknown }
  | { phase: "sent"; alert: AlertRead };

const retryable = (error: unknown): error is ApiProblem =>
  error instanceof ApiProblem &&
  (error.isNetwork || error.status >= 500 || error.status === 408 || error.status === 429);

/**
 * Raising an SOS from this device: find the location, send it once with one idempotency key, and keep trying with
 * that same key until the server confirms, so a person who retries (or whose connection comes back) gets one alert.
 */
export function useRaiseSos() {
  const raise = useRaiseAlert();
  const [state, setState] = useState<SosState>({ phase: "idle" });
  const inFlight = useRef(false);
  const mutateAsync = raise.mutateAsync;

  const send = useCallback(
    async (pending: PendingSos) => {
      if (inFlight.current) return;
      // Known offline: say so at once instead of waiting for a request that cannot leave.
      if (!onlineManager.isOnline()) {
        setState({ phase: "waiting", pending, error: networkProblem() });
        return;
      }
      inFlight.current = true;
      setState({ phase: "sending", pending });
      try {
        const alert = await mutateAsync({ body: pending.body, idempotencyKey: pending.idempotencyKey });
        clearPendingSos();
        setState({ phase: "sent", alert });
      } catch (error) {
        if (retryable(error)) setState({ phase: "waiting", pending, error });
        else {
          clearPendingSos();
          setState({ phase: "refused", error });
        }
      } finally {
        inFlight.current = false;
      }
    },
    [mutateAsync],
  );

  const press = useCallback(
    async ({ category, note }: { category: Category | null; note: string }) => {
      if (inFlight.current) return;
      const unconfirmed = loadPendingSos();
      if (unconfirmed) {
        await send(unconfirmed);
        return;
      }
      const idempotencyKey = newIdempotencyKey();
      setState({ phase: "locating" });
      let location;
      try {
        location = await getCurrentFix({ timeoutMs: 20_000, maximumAgeMs: 30_000 });
      } catch (error) {
        setState({ phase: "location-failed", reason: geolocationFailureOf(error) ?? "unavailable" });
        return;
      }
      const pending: PendingSos = {
        idempotencyKey,
        body: {
          location,
          source: "web",
          ...(category ? { category } : {}),
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        pressedAt: new Date().toISOString(),
      };
      savePendingSos(pending);
      await send(pending);
    },
    [send],
  );

  /** Gives up on an unconfirmed SOS: the person chose not to send it after all. */
  const discard = useCallback(() => {
    clearPendingSos();
    setState({ phase: "idle" });
  }, []);

  // An SOS left unconfirmed by an earlier visit of this tab (reload, crash) is sent again at once, unless it is so
  // old that sending it now would surprise the person more than help them.
  useEffect(() => {
    const unconfirmed = loadPendingSos();
    if (!unconfirmed) return;
    if (Date.now() - Date.parse(unconfirmed.pressedAt) > RESUME_WITHIN_MS) clearPendingSos();
    else void send(unconfirmed);
  }, [send]);

  // While waiting: try again when the browser is back online, and every RETRY_MS in case the server was the problem.
  useEffect(() => {
    if (state.phase !== "waiting") return;
    const { pending } = state;
    const retry = () => {
      if (onlineManager.isOnline()) void send(pending);
    };
    const unsubscribe = onlineManager.subscribe((online) => {
      if (online) retry();
    });
    const timer = setInterval(retry, RETRY_MS);
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }, [state, send]);

  return { state, press, retryNow: send, discard };
}
