import type { Availability, Severity } from "@sos/contracts";

/** What a marker stands for; it decides colour and size. Labels always say the same in words. */
export type MarkerTone = Severity | Availability | "closed";

export interface MapPoint {
  id: string;
  lat: number;
  lon: number;
  /** Short name shown on hover and in the text list, e.g. "Critical medical alert". */
  label: string;
  /** More words for the text list and the popup, e.g. "On scene · 3 min ago". */
  detail?: string;
  /** Radius of the position's uncertainty, drawn as a circle. */
  accuracyM?: number | null;
  tone: MarkerTone;
  /** A console page about the point (the alert, the incident). */
  href?: string;
  hrefLabel?: string;
}

export interface TrailFix {
  lat: number;
  lon: number;
  recordedAt: string;
  accuracyM?: number | null;
}

/** A movement trail, oldest fix first. */
export interface MapTrail {
  id: string;
  label: string;
  fixes: TrailFix[];
}
