"use client";

import type { AlertAction, AlertRead, Role } from "@sos/contracts";
import { Ban, Check, Eye, MapPin, RotateCcw, Send } from "lucide-react";
import { useId, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { Field } from "@/components/ui/label";
import { Textarea } from "@/components/ui/input";
import { useAlertTransition } from "@/lib/queries/alerts";
import { isStaff } from "@/lib/roles";
import { notify, notifyError } from "@/lib/toast";

/** The order buttons appear in: the lifecycle's next step first, cancelling last. */
const ORDER: readonly AlertAction[] = ["acknowledge", "dispatch", "arrive", "resolve", "reopen", "cancel"];

interface ActionWords {
  label: string;
  /** Completes "Could not …". */
  verb: string;
  done: string;
  icon: ReactNode;
}

export function actionWords(action: AlertAction, role: Role): ActionWords {
  switch (action) {
    case "acknowledge":
      return { label: "Acknowledge", verb: "acknowledge", done: "Alert acknowledged", icon: <Eye aria-hidden="true" /> };
    case "dispatch":
      return isStaff(role)
        ? { label: "Dispatch", verb: "dispatch", done: "Responders dispatched", icon: <Send aria-hidden="true" /> }
        : { label: "En route", verb: "mark en route", done: "Marked en route", icon: <Send aria-hidden="true" /> };
    case "arrive":
      return { label: "On scene", verb: "mark on scene", done: "Marked on scene", icon: <MapPin aria-hidden="true" /> };
    case "resolve":
      return { label: "Resolve", verb: "resolve", done: "Alert resolved", icon: <Check aria-hidden="true" /> };
    case "cancel":
      return { label: "Cancel alert", verb: "cancel the alert", done: "Alert cancelled", icon: <Ban aria-hidden="true" /> };
    case "reopen":
      return { label: "Reopen", verb: "reopen", done: "Alert reopened", icon: <RotateCcw aria-hidden="true" /> };
  }
}

export const orderedActions = (actions: readonly AlertAction[] | undefined): AlertAction[] =>
  ORDER.filter((action) => actions?.includes(action));

const NOTE_MAX = 2000;

/**
 * The lifecycle buttons the server allows this user now (`allowed_actions`), optimistic: the new status shows at
 * once and rolls back if the server refuses. An optional note goes with the next action.
 */
export function AlertActions({ alert, role }: { alert: AlertRead; role: Role }) {
  const transition = useAlertTransition(alert);
  const [note, setNote] = useState("");
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const noteId = useId();
  const actions = orderedActions(alert.allowed_actions);
  const pendingAction = transition.isPending ? transition.variables?.action : undefined;

  const run = (action: AlertAction) => {
    const words = actionWords(action, role);
    const trimmed = note.trim();
    setConfirmingCancel(false);
    transition.mutate(
      { action, ...(trimmed ? { note: trimmed } : {}) },
      {
        onSuccess: () => {
          setNote("");
          notify({ tone: "success", title: words.done });
        },
        onError: (error) => notifyError(`Could not ${words.verb}`, error),
      },
    );
  };

  if (pendingAction) {
    return (
      <p role="status" className="flex min-h-10 items-center text-sm text-muted-foreground">
        Saving: {actionWords(pendingAction, role).label}…
      </p>
    );
  }

  if (actions.length === 0) {
    return (
      <p className="flex min-h-10 items-center text-sm text-muted-foreground">
        No status changes are open to you for this alert right now.
      </p>
    );
  }

  const forward = actions.find((action) => action !== "cancel");
  return (
    <div className="flex flex-col gap-sm">
      <div className="flex flex-wrap gap-sm" role="group" aria-label="Change the alert's status">
        {actions.map((action) => {
          const words = actionWords(action, role);
          if (action === "cancel") {
            return (
              <Button key={action} variant="outline" onClick={() => setConfirmingCancel(true)}>
                {words.icon} {words.label}
              </Button>
            );
          }
          return (
            <Button key={action} variant={action === forward ? "primary" : "outline"} onClick={() => run(action)}>
              {words.icon} {words.label}
            </Button>
          );
        })}
      </div>
      <Field id={noteId} label="Note with the next change (optional)" hint="Saved on the timeline with the status change.">
        <Textarea
          id={noteId}
          aria-describedby={`${noteId}-hint`}
          value={note}
          maxLength={NOTE_MAX}
          rows={1}
          className="min-h-10"
          onChange={(event) => setNote(event.target.value)}
        />
      </Field>
      <Dialog open={confirmingCancel} onOpenChange={setConfirmingCancel}>
        <DialogContent
          title="Cancel this alert?"
          description="Cancelling closes the SOS as a false alarm and stops the response. A cancelled alert cannot be reopened."
        >
          {note.trim() ? (
            <p className="text-sm text-foreground">
              Your note goes with it: <q className="italic">{note.trim()}</q>
            </p>
          ) : null}
          <div className="flex flex-wrap justify-end gap-sm">
            <DialogClose asChild>
              <Button variant="outline">Keep the alert open</Button>
            </DialogClose>
            <Button variant="danger" onClick={() => run("cancel")}>
              <Ban aria-hidden="true" /> Cancel alert
            </Button>
          </div>
        </DialogContent>
      </Dialog>
    </div>
  );
}
