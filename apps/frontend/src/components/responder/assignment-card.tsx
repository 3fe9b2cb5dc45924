"use client";

import type { AlertAction, AlertRead } from "@sos/contracts";
import { onlineManager } from "@tanstack/react-query";
import { ExternalLink, MapPin } from "lucide-react";
import Link from "next/link";
import { useId, useState } from "react";
import { TimeAgo } from "@/components/messages/time-ago";
import { CATEGORY_LABEL } from "@/components/reporter/categories";
import { SeverityBadge, StatusBadge } from "@/components/status/badges";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { networkProblem } from "@/lib/api/problem";
import { distanceMeters, formatDistance } from "@/lib/geolocation";
import { useAlertTransition } from "@/lib/queries/alerts";
import { notify, notifyError } from "@/lib/toast";

export const ACTION_LABEL: Record<AlertAction, string> = {
  acknowledge: "Acknowledge",
  dispatch: "En route",
  arrive: "On scene",
  resolve: "Resolve",
  cancel: "Cancel alert",
  reopen: "Reopen",
};

const ACTION_DONE: Record<AlertAction, string> = {
  acknowledge: "acknowledged",
  dispatch: "marked en route",
  arrive: "marked on scene",
  resolve: "resolved",
  cancel: "cancelled",
  reopen: "reopened",
};

/** Actions that close an alert: a slip of the finger must not end an emergency, so they ask first. */
const CONFIRM: Partial<Record<AlertAction, { title: string; description: string; confirm: string }>> = {
  resolve: {
    title: "Resolve this alert?",
    description: "Resolve it when the person is safe and nothing more is needed. Coordinators can reopen it.",
    confirm: "Resolve alert",
  },
  cancel: {
    title: "Cancel this alert?",
    description: "Cancel only a false alarm. The reporter and coordinators see that it was cancelled.",
    confirm: "Cancel alert",
  },
};

const ORDER: readonly AlertAction[] = ["acknowledge", "dispatch", "arrive", "resolve", "reopen", "cancel"];
const FORWARD: readonly AlertAction[] = ["acknowledge", "dispatch", "arrive"];

function ConfirmAction({
  action,
  onConfirm,
}: {
  action: AlertAction;
  onConfirm: (note: string | undefined) => void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const copy = CONFIRM[action];
  if (!copy) return null;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setNote("");
      }}
    >
      <Button variant={action === "cancel" ? "ghost" : "outline"} onClick={() => setOpen(true)}>
        {ACTION_LABEL[action]}
      </Button>
      <DialogContent title={copy.title} description={copy.description}>
        <form
          className="flex flex-col gap-md"
          onSubmit={(event) => {
            event.preventDefault();
            setOpen(false);
            onConfirm(note.trim() || undefined);
            setNote("");
          }}
        >
          <div className="flex flex-col gap-xs">
            <Label htmlFor={`${id}-note`}>Note for the record (optional)</Label>
            <Textarea id={`${id}-note`} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
          </div>
          <div className="flex flex-wrap justify-end gap-sm">
            <DialogClose asChild>
              <Button variant="outline">Keep it open</Button>
            </DialogClose>
            <Button type="submit" variant={action === "cancel" ? "danger" : "primary"}>
              {copy.confirm}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** One alert assigned to me: what, how urgent, how far, and the next step I can take from here. */
export function AssignmentCard({
  alert,
  from,
}: {
  alert: AlertRead;
  /** My position, when known: the card shows how far away the alert is. */
  from: { lat: number; lon: number; recorded_at: string } | null;
}) {
  const titleId = useId();
  const transition = useAlertTransition(alert);
  const category = CATEGORY_LABEL[alert.category];
  const actions = ORDER.filter((action) => alert.allowed_actions?.includes(action));

  const run = (action: AlertAction, note?: string) => {
    const failed = `Could not ${ACTION_LABEL[action].toLowerCase()} the ${category.toLowerCase()} alert`;
    // Known offline: say so now; the request could not leave and its outcome would only come with the network.
    if (!onlineManager.isOnline()) {
      notifyError(failed, networkProblem());
      return;
    }
    transition.mutate(
      { action, ...(note ? { note } : {}) },
      {
        onSuccess: () => notify({ tone: "success", title: `${category} alert ${ACTION_DONE[action]}` }),
        onError: (error) => notifyError(failed, error),
      },
    );
  };

  return (
    <Card className="flex h-full flex-col gap-sm" aria-labelledby={titleId} role="article">
      <div className="flex flex-wrap items-center gap-xs">
        <SeverityBadge severity={alert.severity} />
        <StatusBadge status={alert.status} />
      </div>
      <h3 id={titleId} className="text-lg font-semibold text-foreground">
        {category}
      </h3>
      <dl className="grid grid-cols-[auto_1fr] gap-x-md gap-y-2xs text-sm">
        <dt className="text-muted-foreground">Raised</dt>
        <dd className="text-foreground">
          <TimeAgo iso={alert.created_at} />
        </dd>
        <dt className="text-muted-foreground">Distance</dt>
        <dd className="text-foreground">
          {from ? (
            <>
              {formatDistance(distanceMeters(from, alert))} away
              <span className="text-muted-foreground"> (from where you were </span>
              <TimeAgo iso={from.recorded_at} className="text-muted-foreground" />
              <span className="text-muted-foreground">)</span>
            </>
          ) : (
            <span className="text-muted-foreground">Unknown. Share your location to see it.</span>
          )}
        </dd>
      </dl>
      {alert.note ? (
        <p className="line-clamp-3 rounded-md bg-muted px-sm py-xs text-sm text-foreground">
          <span className="sr-only">Reporter&apos;s note: </span>
          {alert.note}
        </p>
      ) : null}
      <div className="mt-auto flex flex-wrap items-center gap-sm pt-xs">
        {actions.map((action) =>
          CONFIRM[action] ? (
            <ConfirmAction key={action} action={action} onConfirm={(note) => run(action, note)} />
          ) : (
            <Button
              key={action}
              variant={FORWARD.includes(action) ? "primary" : "outline"}
              onClick={() => run(action)}
              disabled={transition.isPending}
            >
              {ACTION_LABEL[action]}
            </Button>
          ),
        )}
        <Button asChild variant="link" className="px-xs">
          <Link href={`/alerts/view/?id=${alert.id}`}>
            Open<span className="sr-only"> the {category.toLowerCase()} alert</span>
          </Link>
        </Button>
        <Button asChild variant="link" className="px-xs">
          <a
            href={`https://www.openstreetmap.org/directions?to=${alert.lat}%2C${alert.lon}`}
            target="_blank"
            rel="noreferrer"
          >
            <MapPin aria-hidden="true" /> Directions
            <ExternalLink aria-hidden="true" />
            <span className="sr-only"> (opens in a new tab)</span>
          </a>
        </Button>
      </div>
    </Card>
  );
}
