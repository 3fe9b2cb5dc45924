import type { OfferStatus } from "@sos/contracts";
import { formatDistance } from "@/lib/geolocation";

/** "under a minute", "about 4 min", "about 1 h 05 min": a road travel time as a dispatcher says it. */
export function formatEta(seconds: number): string {
  if (seconds < 60) return "under a minute";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** "420 m away · about 4 min by road", or "Location unknown". */
export function describeReach(distanceM: number | null | undefined, etaSeconds: number | null | undefined): string {
  const parts = [
    distanceM === null || distanceM === undefined ? "Location unknown" : `${formatDistance(distanceM)} away`,
    etaSeconds === null || etaSeconds === undefined ? null : `${formatEta(etaSeconds)} by road`,
  ];
  return parts.filter(Boolean).join(" · ");
}

/** The server's reason starts lower-case ("nearest available: 420 m"); on its own line it starts a sentence. */
export const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export const OFFER_STATUS_LABEL: Record<OfferStatus, string> = {
  offered: "Waiting for an answer",
  accepted: "Accepted",
  declined: "Declined",
  expired: "Expired unanswered",
  withdrawn: "Withdrawn",
};
