"use client";

import type { MyOfferRead } from "@sos/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { Check, Siren, X } from "lucide-react";
import { useEffect, useId, useState, type FormEvent } from "react";
import { useNow } from "@/components/alerts/use-now";
import { TimeAgo } from "@/components/messages/time-ago";
import { CATEGORY_LABEL } from "@/components/reporter/categories";
import { SeverityBadge } from "@/components/status/badges";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ErrorState } from "@/components/ui/states";
import { dispatchKeys, useAnswerOffer, useMyDispatchOffers } from "@/lib/queries/dispatch";
import { notify, notifyError } from "@/lib/toast";
import { Countdown, formatCountdown, secondsLeft } from "./countdown";
import { describeReach, sentence } from "./format";

function DeclineDialog({
  open,
  onOpenChange,
  category,
  onDecline,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  category: string;
  onDecline: (reason: string | undefined) => void;
}) {
  const id = useId();
  const [reason, setReason] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onDecline(reason.trim() || undefined);
    setReason("");
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        title={`Decline the ${category.toLowerCase()} alert?`}
        description="The coordinators see that you declined; an auto-dispatch offers it to the next-nearest responder at once."
      >
        <form onSubmit={submit} className="flex flex-col gap-md">
          <div className="flex flex-col gap-xs">
            <Label htmlFor={`${id}-reason`}>Reason (optional)</Label>
            <Textarea
              id={`${id}-reason`}
              value={reason}
              maxLength={2000}
              placeholder="e.g. Already on another call"
              onChange={(event) => setReason(event.target.value)}
            />
          </div>
          <DialogFooter>
            <Button type="submit" variant="danger">
              Decline offer
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** One offer made to me: what, how far, why me, the time left, and Accept / Decline. */
function OfferCard({
  offer,
  announce,
  onAccepted,
}: {
  offer: MyOfferRead;
  announce: boolean;
  onAccepted?: () => void;
}) {
  const titleId = useId();
  const client = useQueryClient();
  const answer = useAnswerOffer();
  const [declining, setDeclining] = useState(false);
  const now = useNow(1_000);
  const expired = secondsLeft(offer.expires_at, now) === 0;
  const category = CATEGORY_LABEL[offer.alert.category];

  // When the countdown runs out, ask the server again: it drops the offer from the inbox once it has expired it.
  useEffect(() => {
    if (expired) void client.invalidateQueries({ queryKey: dispatchKeys.mine });
  }, [expired, client]);

  const accept = () =>
    answer.mutate(
      { offer, decision: "accept" },
      {
        onSuccess: () => {
          notify({
            tone: "success",
            title: `You took on the ${category.toLowerCase()} alert`,
            description: "It is in your open assignments now.",
          });
          onAccepted?.();
        },
        onError: (error) => notifyError(`Could not accept the ${category.toLowerCase()} alert`, error),
      },
    );

  const decline = (reason: string | undefined) => {
    setDeclining(false);
    answer.mutate(
      { offer, decision: "decline", ...(reason ? { reason } : {}) },
      {
        onSuccess: () => notify({ tone: "info", title: `You declined the ${category.toLowerCase()} alert` }),
        onError: (error) => notifyError(`Could not decline the ${category.toLowerCase()} alert`, error),
      },
    );
  };

  return (
    <Card role="article" aria-labelledby={titleId} className="flex flex-col gap-sm border-2 border-danger">
      <div className="flex flex-wrap items-center gap-xs">
        <SeverityBadge severity={offer.alert.severity} />
        <Countdown expiresAt={offer.expires_at} announce={announce} className="ml-auto font-semibold" />
      </div>
      <h3 id={titleId} className="flex items-center gap-xs text-lg font-semibold text-foreground">
        <Siren aria-hidden="true" className="size-5" />
        {category} alert offered to you
      </h3>
      <dl className="grid grid-cols-[auto_1fr] gap-x-md gap-y-2xs text-sm">
        <dt className="text-muted-foreground">Distance</dt>
        <dd className="text-foreground">{describeReach(offer.distance_m, offer.eta_seconds)}</dd>
        <dt className="text-muted-foreground">Why you</dt>
        <dd className="text-foreground">{sentence(offer.reason)}</dd>
        <dt className="text-muted-foreground">Raised</dt>
        <dd className="text-foreground">
          <TimeAgo iso={offer.alert.created_at} />
        </dd>
      </dl>
      {/* The server decides when an offer has run out: this device's clock may be fast, so the buttons stay until the
          server no longer lists the offer, and an answer that came too late is refused with a clear error. */}
      {expired ? (
        <p className="text-sm font-medium text-foreground">
          Time is up by this device&apos;s clock; the offer may already have gone to the next responder.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-sm pt-xs">
        <Button size="lg" onClick={accept} disabled={answer.isPending}>
          <Check aria-hidden="true" /> Accept<span className="sr-only"> the {category.toLowerCase()} alert</span>
        </Button>
        <Button size="lg" variant="outline" onClick={() => setDeclining(true)} disabled={answer.isPending}>
          <X aria-hidden="true" /> Decline<span className="sr-only"> the {category.toLowerCase()} alert</span>
        </Button>
      </div>
      <DeclineDialog open={declining} onOpenChange={setDeclining} category={category} onDecline={decline} />
    </Card>
  );
}

/** What a screen reader hears when a new offer arrives: it is urgent, so it interrupts. */
function arrival(offer: MyOfferRead | undefined, now: number): string {
  if (!offer) return "";
  const left = formatCountdown(secondsLeft(offer.expires_at, now));
  return `New dispatch offer: ${offer.alert.severity} ${CATEGORY_LABEL[offer.alert.category].toLowerCase()} alert, ${describeReach(offer.distance_m, offer.eta_seconds)}. ${left} to answer.`;
}

/**
 * The offers waiting for my answer, above everything else on my console. Nothing shows while there are none; a new
 * offer is announced at once.
 */
export function PendingOffers({ onAccepted }: { onAccepted?: () => void }) {
  const offers = useMyDispatchOffers();
  const [announced, setAnnounced] = useState("");
  const newest = offers.data?.at(-1);
  const [seen, setSeen] = useState<string | null | undefined>(undefined);

  // Announce an offer that arrives while the page is open; the ones already there on load are read with the page.
  useEffect(() => {
    if (!offers.data) return;
    const id = newest?.id ?? null;
    if (seen !== undefined && id !== null && id !== seen) setAnnounced(arrival(newest, Date.now()));
    setSeen(id);
  }, [offers.data, newest, seen]);

  const list = offers.data ?? [];
  return (
    <>
      <p className="sr-only" aria-live="assertive" aria-atomic="true">
        {announced}
      </p>
      {offers.isError && !offers.data ? (
        <ErrorState error={offers.error} onRetry={() => void offers.refetch()} />
      ) : list.length ? (
        <section aria-labelledby="dispatch-offers" className="flex flex-col gap-md">
          <h2 id="dispatch-offers" className="text-xl font-semibold text-foreground">
            Offered to you ({list.length})
          </h2>
          <ul className="grid gap-md lg:grid-cols-2">
            {list.map((offer, index) => (
              <li key={offer.id}>
                <OfferCard offer={offer} announce={index === 0} {...(onAccepted ? { onAccepted } : {})} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
