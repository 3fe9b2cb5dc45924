"use client";

import { zAlertCreate, type AlertRead, type Category } from "@sos/contracts";
import { CloudOff, LoaderCircle, Phone, RotateCw, TriangleAlert } from "lucide-react";
import { useEffect, useId, useMemo, useState } from "react";
import { TimeAgo } from "@/components/messages/time-ago";
import { Freshness } from "@/components/shell/freshness";
import { StatusBadge } from "@/components/status/badges";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { EmptyState, ErrorState, LoadingRows } from "@/components/ui/states";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { cn } from "@/lib/cn";
import { explainGeolocationError } from "@/lib/geolocation";
import { useAlerts } from "@/lib/queries/alerts";
import { useOnline } from "@/lib/use-online";
import { CATEGORIES, CATEGORY_LABEL, isOpen } from "./categories";
import { MyAlertPanel } from "./my-alert-panel";
import { SosButton } from "./sos-button";
import { useRaiseSos, type SosState } from "./use-raise-sos";

const NOTE_MAX_LENGTH = zAlertCreate.shape.note.unwrap().unwrap().maxLength ?? 2000;

function EmergencyNumberHint() {
  return (
    <p className="flex items-start gap-xs text-sm font-semibold text-foreground">
      <Phone aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      If you can, call your local emergency number as well (112 in Europe, 911 in North America).
    </p>
  );
}

/** What happened to the last press of the SOS button, and what the person can do now. */
function SendStatus({
  state,
  onRetry,
  onDiscard,
}: {
  state: SosState;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const online = useOnline();
  switch (state.phase) {
    case "idle":
    case "sent":
      return null;
    case "locating":
      return (
        <p className="flex items-center gap-sm text-base font-medium text-foreground">
          <LoaderCircle aria-hidden="true" className="size-5 animate-spin" />
          Finding your location… If your browser asks, choose Allow.
        </p>
      );
    case "sending":
      return (
        <p className="flex items-center gap-sm text-base font-medium text-foreground">
          <LoaderCircle aria-hidden="true" className="size-5 animate-spin" />
          Sending your SOS…
        </p>
      );
    case "location-failed": {
      const problem = explainGeolocationError(state.reason);
      return (
        <div className="flex flex-col gap-sm rounded-lg border-2 border-danger p-lg">
          <p className="flex items-center gap-sm text-base font-semibold text-foreground">
            <TriangleAlert aria-hidden="true" className="size-5 text-danger" />
            Your SOS was not sent: {problem.title.toLowerCase()}.
          </p>
          <p className="text-sm text-foreground">
            Responders need your location to find you, so an SOS cannot be sent without it. {problem.detail}
          </p>
          <EmergencyNumberHint />
          <div>
            <Button variant="danger" onClick={onRetry}>
              <RotateCw aria-hidden="true" /> Try again
            </Button>
          </div>
        </div>
      );
    }
    case "waiting":
      return (
        <div className="flex flex-col gap-sm rounded-lg border-2 border-danger p-lg">
          <p className="flex items-center gap-sm text-base font-semibold text-foreground">
            <CloudOff aria-hidden="true" className="size-5 text-danger" />
            Your SOS could not be sent yet.
          </p>
          <p className="text-sm text-foreground">
            {state.error.isNetwork || !online
              ? "There is no connection to the server. Will send when back online: keep this page open."
              : `${describeProblem(state.error)} It is tried again automatically every few seconds.`}{" "}
            Pressing SOS again sends this same alert, never a second one.
          </p>
          <EmergencyNumberHint />
          <div className="flex flex-wrap gap-sm">
            <Button variant="danger" onClick={onRetry}>
              <RotateCw aria-hidden="true" /> Try again now
            </Button>
            <Button variant="ghost" onClick={onDiscard}>
              I no longer need help
            </Button>
          </div>
        </div>
      );
    case "refused":
      return (
        <div className="flex flex-col gap-sm rounded-lg border-2 border-danger p-lg">
          <p className="flex items-center gap-sm text-base font-semibold text-foreground">
            <TriangleAlert aria-hidden="true" className="size-5 text-danger" />
            Your SOS was not accepted.
          </p>
          <p className="text-sm text-foreground">
            {state.error instanceof ApiProblem
              ? describeProblem(state.error)
              : "Something went wrong while preparing it."}{" "}
            Press SOS to try again.
          </p>
          <EmergencyNumberHint />
        </div>
      );
  }
}

function CategoryChips({ value, onChange }: { value: Category | null; onChange: (value: Category | null) => void }) {
  const id = useId();
  return (
    <fieldset className="flex flex-col gap-xs">
      <legend className="mb-xs text-sm font-medium text-foreground">What kind of emergency? (optional)</legend>
      <div className="flex flex-wrap gap-xs">
        {CATEGORIES.map((category) => (
          <label
            key={category}
            className={cn(
              "inline-flex min-h-10 cursor-pointer items-center rounded-full border border-input px-md text-sm font-medium text-foreground hover:bg-muted",
              "has-[:checked]:border-primary has-[:checked]:bg-primary has-[:checked]:text-primary-foreground",
              "has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring has-[:focus-visible]:ring-offset-2 has-[:focus-visible]:ring-offset-background",
            )}
          >
            <input
              type="radio"
              name={`${id}-category`}
              value={category}
              checked={value === category}
              onChange={() => onChange(category)}
              className="sr-only"
            />
            {CATEGORY_LABEL[category]}
          </label>
        ))}
        {value ? (
          <Button variant="link" size="sm" onClick={() => onChange(null)}>
            Clear
          </Button>
        ) : null}
      </div>
    </fieldset>
  );
}

const closedOrRaisedAt = (alert: AlertRead) => alert.resolved_at ?? alert.cancelled_at ?? alert.created_at;

/**
 * The reporter's page: the SOS button with optional details, the live state of my alert with its conversation, and
 * my earlier alerts. Only what the API confirms is shown as sent.
 */
export function SosView() {
  const noteId = useId();
  const sos = useRaiseSos();
  const mine = useAlerts();
  const [category, setCategory] = useState<Category | null>(null);
  const [note, setNote] = useState("");
  const [selectedId, setSelectedId] = useState<string | null>(null);
  // The alert whose panel takes the focus when it shows: the one just sent, or the one chosen from the list.
  const [focusId, setFocusId] = useState<string | null>(null);

  const sentId = sos.state.phase === "sent" ? sos.state.alert.id : null;
  const alerts = useMemo(() => mine.data?.items ?? [], [mine.data]);
  const newestOpen = alerts.find((alert) => isOpen(alert.status));
  const shownId = selectedId ?? sentId ?? newestOpen?.id ?? null;
  const others = alerts.filter((alert) => alert.id !== shownId);
  const busy = sos.state.phase === "locating" || sos.state.phase === "sending";

  useEffect(() => {
    if (!sentId) return;
    setSelectedId(null);
    setCategory(null);
    setNote("");
    setFocusId(sentId);
  }, [sentId]);

  const press = () => {
    if (sos.state.phase === "waiting") void sos.retryNow(sos.state.pending);
    else void sos.press({ category, note });
  };

  return (
    <div className="flex flex-col gap-2xl">
      {shownId ? <MyAlertPanel key={shownId} alertId={shownId} focusOnLoad={focusId === shownId} /> : null}

      <section aria-labelledby="raise-sos" className="flex flex-col items-center gap-lg">
        <h2 id="raise-sos" className={cn("text-xl font-semibold text-foreground", !shownId && "sr-only")}>
          {newestOpen ? "Need help with something else?" : "Raise an SOS"}
        </h2>
        <SosButton
          onActivate={press}
          busy={busy}
          busyLabel={sos.state.phase === "locating" ? "Locating…" : "Sending…"}
        />
        <div role="status" aria-live="polite" className="w-full max-w-[36rem]">
          <SendStatus state={sos.state} onRetry={press} onDiscard={sos.discard} />
        </div>
        <div className="flex w-full max-w-[36rem] flex-col gap-md">
          <CategoryChips value={category} onChange={setCategory} />
          <div className="flex flex-col gap-xs">
            <Label htmlFor={noteId}>Anything responders should know? (optional)</Label>
            <Textarea
              id={noteId}
              value={note}
              onChange={(event) => setNote(event.target.value)}
              maxLength={NOTE_MAX_LENGTH}
              rows={2}
              aria-describedby={`${noteId}-hint`}
            />
            <p id={`${noteId}-hint`} className="text-xs text-muted-foreground">
              Sent with the SOS. After sending, you can add more in the messages.
            </p>
          </div>
        </div>
      </section>

      <section aria-labelledby="my-alerts" className="flex flex-col gap-md">
        <div className="flex flex-wrap items-center justify-between gap-sm">
          <h2 id="my-alerts" className="text-xl font-semibold text-foreground">
            {shownId ? "My other alerts" : "My alerts"}
          </h2>
          <Freshness updatedAt={mine.dataUpdatedAt} failing={mine.isError} />
        </div>
        {mine.isPending ? (
          <LoadingRows rows={2} label="Loading your alerts" />
        ) : mine.isError && !mine.data ? (
          <ErrorState error={mine.error} onRetry={() => void mine.refetch()} />
        ) : others.length === 0 ? (
          <EmptyState title={shownId ? "No other alerts" : "You have not raised an alert"}>
            Alerts you raise appear here with their status.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-border rounded-lg border border-border bg-surface">
            {others.map((alert) => (
              <li key={alert.id} className="flex flex-wrap items-center gap-x-md gap-y-xs px-lg py-sm text-sm">
                <StatusBadge status={alert.status} />
                <span className="font-medium text-foreground">{CATEGORY_LABEL[alert.category]}</span>
                <span className="text-muted-foreground">
                  {isOpen(alert.status) ? "raised" : "closed"} <TimeAgo iso={closedOrRaisedAt(alert)} />
                </span>
                <Button
                  variant="outline"
                  size="sm"
                  className="ml-auto"
                  onClick={() => {
                    setFocusId(alert.id);
                    setSelectedId(alert.id);
                  }}
                >
                  Show<span className="sr-only"> the {CATEGORY_LABEL[alert.category].toLowerCase()} alert</span>
                </Button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
