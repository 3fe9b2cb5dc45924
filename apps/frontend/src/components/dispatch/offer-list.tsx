"use client";

import type { OfferRead } from "@sos/contracts";
import { useMemo } from "react";
import { formatAge, formatDateTime } from "@/components/alerts/format";
import { useNow } from "@/components/alerts/use-now";
import type { People } from "@/lib/queries/responders";
import { Countdown } from "./countdown";
import { describeReach, OFFER_STATUS_LABEL, sentence } from "./format";
import { OfferStatusBadge } from "./offer-status-badge";

const byNewest = (a: OfferRead, b: OfferRead) => Date.parse(b.offered_at) - Date.parse(a.offered_at);

/** The latest answer, for the polite announcement: it changes only when an offer is decided. */
function latestDecision(offers: readonly OfferRead[], nameOf: People["nameOf"]): string {
  const decided = offers.filter((offer) => offer.decided_at !== null);
  const last = decided.sort((a, b) => Date.parse(b.decided_at ?? "") - Date.parse(a.decided_at ?? ""))[0];
  return last ? `Offer to ${nameOf(last.responder_id, "a responder")}: ${OFFER_STATUS_LABEL[last.status]}.` : "";
}

function OfferItem({ offer, people, now }: { offer: OfferRead; people: People; now: number }) {
  const name = people.nameOf(offer.responder_id, "A responder");
  const how =
    offer.mode === "auto"
      ? `Auto-dispatch${offer.rank ? `, offer ${offer.rank}` : ""}`
      : `Chosen by ${people.nameOf(offer.offered_by_id, "a coordinator")}`;
  const waiting = offer.status === "offered";
  return (
    <li className="flex flex-col gap-2xs rounded-md border border-border p-sm text-sm">
      <p className="flex flex-wrap items-center gap-xs font-medium text-foreground">
        {name}
        <OfferStatusBadge status={offer.status} />
        {waiting ? <Countdown expiresAt={offer.expires_at} announce={false} /> : null}
      </p>
      <p className="text-muted-foreground">
        {how} · {describeReach(offer.distance_m, offer.eta_seconds)}
      </p>
      <p className="text-foreground">
        <span className="text-muted-foreground">Why: </span>
        {sentence(offer.reason)}
      </p>
      {offer.decline_reason ? (
        <p className="text-foreground">
          <span className="text-muted-foreground">Declined because: </span>
          {offer.decline_reason}
        </p>
      ) : null}
      <p className="text-xs text-muted-foreground">
        Offered{" "}
        <time dateTime={offer.offered_at} title={formatDateTime(offer.offered_at)}>
          {formatAge(offer.offered_at, now)}
        </time>
        {offer.decided_at ? (
          <>
            {" · answered "}
            <time dateTime={offer.decided_at} title={formatDateTime(offer.decided_at)}>
              {formatAge(offer.decided_at, now)}
            </time>
          </>
        ) : null}
      </p>
    </li>
  );
}

/** Every offer made for the alert, newest first, with its live status and the time left to answer. */
export function OfferList({ offers, people }: { offers: readonly OfferRead[]; people: People }) {
  const now = useNow();
  const sorted = useMemo(() => [...offers].sort(byNewest), [offers]);
  const announcement = useMemo(() => latestDecision(offers, people.nameOf), [offers, people.nameOf]);
  return (
    <div className="flex flex-col gap-xs">
      <p className="sr-only" aria-live="polite" aria-atomic="true">
        {announcement}
      </p>
      {sorted.length ? (
        <ol aria-label="Offers, newest first" className="flex flex-col gap-xs">
          {sorted.map((offer) => (
            <OfferItem key={offer.id} offer={offer} people={people} now={now} />
          ))}
        </ol>
      ) : (
        <p className="text-sm text-muted-foreground">No offers yet.</p>
      )}
    </div>
  );
}
