"use client";

import type { LocationRead } from "@sos/contracts";
import { LocateFixed, LocateOff, TriangleAlert } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { TimeAgo } from "@/components/messages/time-ago";
import { Card } from "@/components/ui/card";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { cn } from "@/lib/cn";
import { explainGeolocationError, watchThrottled, type Fix, type GeolocationFailure } from "@/lib/geolocation";
import { useRecordMyLocation } from "@/lib/queries/my-responder";

/** The shortest pause between two positions sent to the server. */
export const SHARE_INTERVAL_MS = 15_000;
const PREFERENCE_KEY = "sos.share-location";

/** Failures after which watching cannot go on by itself: the person has to change something first. */
const FATAL: readonly GeolocationFailure[] = ["denied", "unsupported", "insecure"];

function savedPreference(): boolean {
  try {
    return typeof window !== "undefined" && window.sessionStorage.getItem(PREFERENCE_KEY) === "on";
  } catch {
    return false;
  }
}

function savePreference(on: boolean): void {
  try {
    if (on) window.sessionStorage.setItem(PREFERENCE_KEY, "on");
    else window.sessionStorage.removeItem(PREFERENCE_KEY);
  } catch {
    // Private mode without storage: sharing just does not survive a reload.
  }
}

/**
 * "Share my location": while on, the device's position goes to the server at most every 15 s, so coordinators see
 * where the responder is. It stops when switched off or when the page closes.
 */
export function LocationSharing({
  lastShared,
  onFix,
}: {
  /** The last position the server has for me, shown while sharing is off. */
  lastShared: LocationRead | null | undefined;
  /** Every fix this device takes, so the page can measure distances from it. */
  onFix: (fix: Fix) => void;
}) {
  const id = useId();
  const [on, setOn] = useState(savedPreference);
  const [failure, setFailure] = useState<GeolocationFailure | null>(null);
  const [sent, setSent] = useState<Fix | null>(null);
  const [sendError, setSendError] = useState<unknown>(null);
  const record = useRecordMyLocation();
  const latest = useRef({ onFix, record: record.mutate });
  latest.current = { onFix, record: record.mutate };

  useEffect(() => {
    if (!on) return;
    setFailure(null);
    return watchThrottled({
      intervalMs: SHARE_INTERVAL_MS,
      onFix: (fix) => {
        setFailure(null);
        latest.current.onFix(fix);
        latest.current.record(fix, {
          onSuccess: () => {
            setSent(fix);
            setSendError(null);
          },
          onError: setSendError,
        });
      },
      onError: (error) => {
        setFailure(error.reason);
        if (FATAL.includes(error.reason)) {
          setOn(false);
          savePreference(false);
        }
      },
    });
  }, [on]);

  const toggle = () => {
    const next = !on;
    setOn(next);
    savePreference(next);
    if (!next) {
      setSent(null);
      setSendError(null);
    } else setFailure(null);
  };

  const problem = failure ? explainGeolocationError(failure) : null;
  let status;
  if (on && sendError)
    status = `Your last position was not sent. ${
      sendError instanceof ApiProblem ? describeProblem(sendError) : "Try again later."
    } The next update is sent on its own.`;
  else if (on && sent)
    status = (
      <>
        Sharing. Last sent <TimeAgo iso={sent.recorded_at} />
        {sent.accuracy_m !== null ? `, accurate to about ${sent.accuracy_m} m` : ""}. Coordinators see where you are.
      </>
    );
  else if (on) status = "Waiting for your device's position… If the browser asks, choose Allow.";
  else if (lastShared)
    status = (
      <>
        Off. Coordinators see the position you last shared, <TimeAgo iso={lastShared.recorded_at} />.
      </>
    );
  else status = "Off. Coordinators cannot see where you are.";

  return (
    <Card className="flex flex-col gap-sm">
      <div className="flex items-center justify-between gap-md">
        <h2 id={`${id}-label`} className="text-base font-semibold text-foreground">
          Share my location
        </h2>
        <button
          type="button"
          role="switch"
          aria-checked={on}
          aria-labelledby={`${id}-label`}
          aria-describedby={`${id}-status`}
          onClick={toggle}
          className={cn(
            "inline-flex h-10 shrink-0 items-center gap-sm rounded-full border px-md text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background",
            on ? "border-primary bg-primary text-primary-foreground" : "border-input bg-background text-foreground",
          )}
        >
          {on ? (
            <LocateFixed aria-hidden="true" className="size-4" />
          ) : (
            <LocateOff aria-hidden="true" className="size-4" />
          )}
          {on ? "On" : "Off"}
        </button>
      </div>
      <p id={`${id}-status`} aria-live="polite" className="min-h-10 text-sm text-muted-foreground">
        {status}
      </p>
      {problem ? (
        <div role="alert" className="flex gap-sm rounded-md border border-danger p-sm text-sm">
          <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-danger" />
          <div>
            <p className="font-medium text-foreground">{problem.title}</p>
            <p className="text-muted-foreground">{problem.detail}</p>
          </div>
        </div>
      ) : null}
    </Card>
  );
}
