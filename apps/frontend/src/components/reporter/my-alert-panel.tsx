"use client";

import type { AlertRead, AlertStatus } from "@sos/contracts";
import { onlineManager } from "@tanstack/react-query";
import { LocateFixed, TriangleAlert } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { MessageThread } from "@/components/messages/message-thread";
import { TimeAgo } from "@/components/messages/time-ago";
import { Freshness } from "@/components/shell/freshness";
import { StatusBadge } from "@/components/status/badges";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { ErrorState, LoadingRows } from "@/components/ui/states";
import { ApiProblem, describeProblem, networkProblem } from "@/lib/api/problem";
import { cn } from "@/lib/cn";
import { explainGeolocationError } from "@/lib/geolocation";
import { useAlert, useAlertTransition } from "@/lib/queries/alerts";
import { notify, notifyError } from "@/lib/toast";
import { CATEGORY_LABEL, isOpen } from "./categories";
import { TRAIL_INTERVAL_MS, useAlertTrail, type TrailState } from "./use-alert-trail";

/** What each status means for the person who asked for help, in their words. */
export const STATUS_EXPLANATION: Record<AlertStatus, string> = {
  triggered: "Waiting for a coordinator. Your SOS has arrived; stay where you are if it is safe.",
  acknowledged: "A coordinator has seen your SOS and is organizing help.",
  dispatched: "Responders are on their way.",
  on_scene: "Responders have arrived. Make yourself seen or heard if you can.",
  resolved: "Your alert is resolved. If you need help again, press SOS.",
  cancelled: "Your alert was cancelled. If you need help after all, press SOS again.",
};

const HEADING: Record<AlertStatus, string> = {
  triggered: "Help has been alerted",
  acknowledged: "Help has been alerted",
  dispatched: "Help is on the way",
  on_scene: "Help has arrived",
  resolved: "Your alert is resolved",
  cancelled: "Your alert was cancelled",
};

function Timeline({ alert }: { alert: AlertRead }) {
  const rows: Array<[string, string | null]> = [
    ["SOS sent", alert.created_at],
    ["Seen by a coordinator", alert.acknowledged_at],
    ["Responders sent", alert.dispatched_at],
    ["Responders arrived", alert.on_scene_at],
    ["Resolved", alert.resolved_at],
    ["Cancelled", alert.cancelled_at],
  ];
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-md gap-y-2xs text-sm">
      {rows
        .filter((row): row is [string, string] => row[1] !== null)
        .map(([label, at]) => (
          <div key={label} className="contents">
            <dt className="text-muted-foreground">{label}</dt>
            <dd className="text-foreground">
              <TimeAgo iso={at} />
            </dd>
          </div>
        ))}
    </dl>
  );
}

function TrailStatus({ trail }: { trail: TrailState }) {
  if (trail.kind === "location-failed") {
    const problem = explainGeolocationError(trail.reason);
    return (
      <p className="flex gap-xs text-sm text-foreground">
        <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-danger" />
        <span>
          Your new position could not be shared: {problem.title.toLowerCase()}. {problem.detail}
        </span>
      </p>
    );
  }
  return (
    <p className="flex gap-xs text-sm text-muted-foreground">
      <LocateFixed aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <span>
        While this page is open, your position is shared with responders every {TRAIL_INTERVAL_MS / 1000} seconds.
        {trail.kind === "sent" ? (
          <>
            {" "}
            Last shared <TimeAgo iso={trail.at} />.
          </>
        ) : null}
        {trail.kind === "send-failed"
          ? ` The last update did not arrive: ${
              trail.error instanceof ApiProblem ? describeProblem(trail.error) : "it is tried again shortly."
            }`
          : null}
      </span>
    </p>
  );
}

function CancelMyAlert({ alert }: { alert: AlertRead }) {
  const [open, setOpen] = useState(false);
  const transition = useAlertTransition(alert);
  const cancel = () => {
    setOpen(false);
    if (!onlineManager.isOnline()) {
      notifyError("Your alert was not cancelled", networkProblem());
      return;
    }
    transition.mutate(
      { action: "cancel" },
      {
        onSuccess: () => notify({ tone: "success", title: "Your alert is cancelled" }),
        onError: (error) => notifyError("Your alert was not cancelled", error),
      },
    );
  };
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button variant="outline" onClick={() => setOpen(true)} disabled={transition.isPending}>
        Cancel my alert
      </Button>
      <DialogContent
        title="Cancel your alert?"
        description="Only cancel if you no longer need help, for example if it was a false alarm. Responders on their way will be told to stop."
      >
        <div className="flex flex-col gap-sm sm:flex-row sm:justify-end">
          <DialogClose asChild>
            <Button variant="outline">Keep my alert</Button>
          </DialogClose>
          <Button variant="danger" onClick={cancel}>
            Yes, cancel my alert
          </Button>
        </div>
      </DialogContent>
    </Dialog>
  );
}

/** One of my alerts, live: its status in plain words, what happened when, my position trail, and the conversation. */
export function MyAlertPanel({
  alertId,
  focusOnLoad = false,
}: {
  alertId: string;
  /** Moves focus to the heading once the alert shows: it has just been sent, or was chosen from the list. */
  focusOnLoad?: boolean;
}) {
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focused = useRef(false);
  const query = useAlert(alertId);
  const alert = query.data;
  const trail = useAlertTrail(alert);
  const loaded = Boolean(alert);

  useEffect(() => {
    if (!focusOnLoad || !loaded || focused.current) return;
    focused.current = true;
    headingRef.current?.focus();
  }, [focusOnLoad, loaded]);

  if (query.isPending) return <LoadingRows rows={3} label="Loading your alert" />;
  if (!alert) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;

  const open = isOpen(alert.status);
  return (
    <Card
      role="region"
      aria-labelledby={headingId}
      className={cn("flex flex-col gap-lg border-2", open ? "border-danger" : "border-border")}
    >
      <div className="flex flex-col gap-sm">
        <div className="flex flex-wrap items-center justify-between gap-sm">
          <h2
            id={headingId}
            ref={headingRef}
            tabIndex={-1}
            className="text-2xl font-bold text-foreground focus:outline-none"
          >
            {HEADING[alert.status]}
          </h2>
          <Freshness updatedAt={query.dataUpdatedAt} failing={query.isError} />
        </div>
        <div aria-live="polite" className="flex flex-wrap items-center gap-sm">
          <StatusBadge status={alert.status} className="text-sm" />
          <p className="text-base text-foreground">{STATUS_EXPLANATION[alert.status]}</p>
        </div>
        <p className="text-sm text-muted-foreground">
          {CATEGORY_LABEL[alert.category]}
          {alert.note ? ` · “${alert.note}”` : ""}
        </p>
      </div>
      <Timeline alert={alert} />
      {open ? <TrailStatus trail={trail} /> : null}
      {alert.allowed_actions?.includes("cancel") ? (
        <div>
          <CancelMyAlert alert={alert} />
        </div>
      ) : null}
      <MessageThread thread={{ kind: "alert", id: alert.id }} />
    </Card>
  );
}
