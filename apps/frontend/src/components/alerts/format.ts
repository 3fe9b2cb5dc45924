import type { Category, SourceChannel } from "@sos/contracts";
import { ApiProblem } from "@/lib/api/problem";

export const CATEGORY_LABEL: Record<Category, string> = {
  medical: "Medical",
  fire: "Fire",
  crime: "Crime",
  accident: "Accident",
  personal_safety: "Personal safety",
  natural_disaster: "Natural disaster",
  other: "Other",
};

export const SOURCE_LABEL: Record<SourceChannel, string> = {
  app: "Mobile app",
  web: "Web console",
  sms: "SMS",
  api: "API",
  email: "Email",
  voice: "Voice call",
  checkin: "Missed check-in",
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago, in the words a dispatcher reads at a glance: "just now", "3 min ago", "2 h 5 min ago", "4 days ago". */
export function formatAge(iso: string, now: number): string {
  const elapsed = Math.max(0, now - Date.parse(iso));
  if (elapsed < MINUTE) return "just now";
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) {
    const hours = Math.floor(elapsed / HOUR);
    const minutes = Math.floor((elapsed % HOUR) / MINUTE);
    return minutes ? `${hours} h ${minutes} min ago` : `${hours} h ago`;
  }
  const days = Math.floor(elapsed / DAY);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

/** Local date and time with seconds, for exact records ("25 Nov 2026, 21:28:06"). */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** Local time of day when the moment is today, else date and time. */
export function formatWhen(iso: string, now: number): string {
  const moment = new Date(iso);
  const sameDay = new Date(now).toDateString() === moment.toDateString();
  return sameDay
    ? moment.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : moment.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** Four decimals is about 11 m: as precise as a phone fix, short enough to read out on a radio. */
export function formatPosition(lat: number, lon: number): string {
  return `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
}

export function formatAccuracy(accuracyM: number | null | undefined): string | null {
  if (accuracyM === null || accuracyM === undefined) return null;
  return accuracyM >= 1000 ? `±${(accuracyM / 1000).toFixed(1)} km` : `±${Math.round(accuracyM)} m`;
}

export function excerpt(text: string | null | undefined, max = 140): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** The first block of a UUID, enough to tell records apart when read aloud. */
export const shortId = (id: string): string => id.slice(0, 8);

/** A 404 or 403 will not change by retrying: the record is gone or not the reader's to see. */
export const isGone = (error: unknown): boolean =>
  error instanceof ApiProblem && (error.status === 404 || error.status === 403);
