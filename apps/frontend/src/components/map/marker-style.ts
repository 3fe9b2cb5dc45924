import type { MarkerTone } from "./map-types";

// Leaflet draws SVG paths; design-token utility classes colour them (CSS beats SVG presentation attributes), so
// markers follow the light and dark themes. Class names are written out whole for Tailwind to find them.
const TONE_CLASS: Record<MarkerTone, string> = {
  critical: "fill-severity-critical-fg stroke-background",
  high: "fill-severity-high-fg stroke-background",
  medium: "fill-severity-medium-fg stroke-background",
  low: "fill-severity-low-fg stroke-background",
  closed: "fill-status-cancelled-fg stroke-background",
  available: "fill-status-resolved-fg stroke-background",
  busy: "fill-severity-medium-fg stroke-background",
  off_duty: "fill-muted-foreground stroke-background",
};

const ACCURACY_CLASS: Record<MarkerTone, string> = {
  critical: "fill-severity-critical-fg stroke-severity-critical-fg",
  high: "fill-severity-high-fg stroke-severity-high-fg",
  medium: "fill-severity-medium-fg stroke-severity-medium-fg",
  low: "fill-severity-low-fg stroke-severity-low-fg",
  closed: "fill-status-cancelled-fg stroke-status-cancelled-fg",
  available: "fill-status-resolved-fg stroke-status-resolved-fg",
  busy: "fill-severity-medium-fg stroke-severity-medium-fg",
  off_duty: "fill-muted-foreground stroke-muted-foreground",
};

/** Size carries urgency too, so severity never rests on colour alone. */
const RADIUS: Record<MarkerTone, number> = {
  critical: 11,
  high: 9,
  medium: 8,
  low: 7,
  closed: 6,
  available: 8,
  busy: 8,
  off_duty: 6,
};

export const markerClass = (tone: MarkerTone): string => TONE_CLASS[tone];
export const accuracyClass = (tone: MarkerTone): string => ACCURACY_CLASS[tone];
export const markerRadius = (tone: MarkerTone): number => RADIUS[tone];
export const TRAIL_CLASS = "stroke-primary";
export const TRAIL_FIX_CLASS = "fill-primary stroke-background";
