import type * as Leaflet from "leaflet";
import { formatAccuracy, formatDateTime, formatPosition } from "@/components/alerts/format";
import type { MapPoint, MapTrail } from "./map-types";
import { accuracyClass, markerClass, markerRadius, TRAIL_CLASS, TRAIL_FIX_CLASS } from "./marker-style";

export type LeafletModule = typeof Leaflet;

/** Leaflet is a UMD bundle: the namespace arrives as the default export or as the module itself. */
export async function loadLeaflet(): Promise<LeafletModule> {
  const loaded = await import("leaflet");
  return (loaded as { default?: LeafletModule }).default ?? loaded;
}

/** Popup and tooltip content built as DOM, never HTML strings: labels and notes come from users. */
function textBlock(title: string, detail?: string, link?: { href: string; label: string; onOpen: (href: string) => void }) {
  const root = document.createElement("div");
  root.className = "flex flex-col gap-xs text-sm";
  const heading = document.createElement("strong");
  heading.textContent = title;
  root.append(heading);
  if (detail) {
    const body = document.createElement("span");
    body.textContent = detail;
    root.append(body);
  }
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.textContent = link.label;
    anchor.className = "font-medium text-primary underline";
    anchor.addEventListener("click", (event) => {
      event.preventDefault();
      link.onOpen(link.href);
    });
    root.append(anchor);
  }
  return root;
}

export interface DrawOptions {
  onOpen: (href: string) => void;
}

/** Draws trails under points, each point with its accuracy circle, into `layer` (cleared first). */
export function drawFeatures(
  L: LeafletModule,
  layer: Leaflet.FeatureGroup,
  points: readonly MapPoint[],
  trails: readonly MapTrail[],
  { onOpen }: DrawOptions,
): void {
  layer.clearLayers();
  for (const trail of trails) {
    const line = trail.fixes.map((fix) => L.latLng(fix.lat, fix.lon));
    if (line.length > 1) {
      L.polyline(line, { className: TRAIL_CLASS, weight: 3, opacity: 0.8, dashArray: "6 6", interactive: false }).addTo(
        layer,
      );
    }
    trail.fixes.forEach((fix, index) => {
      const accuracy = formatAccuracy(fix.accuracyM);
      L.circleMarker([fix.lat, fix.lon], { radius: 3, className: TRAIL_FIX_CLASS, weight: 1, fillOpacity: 1 })
        .bindTooltip(
          textBlock(
            `${trail.label}: fix ${index + 1} of ${trail.fixes.length}`,
            `${formatDateTime(fix.recordedAt)} · ${formatPosition(fix.lat, fix.lon)}${accuracy ? ` ${accuracy}` : ""}`,
          ),
          { direction: "top" },
        )
        .addTo(layer);
    });
  }
  for (const point of points) {
    if (point.accuracyM && point.accuracyM > 0) {
      L.circle([point.lat, point.lon], {
        radius: point.accuracyM,
        className: accuracyClass(point.tone),
        weight: 1,
        opacity: 0.6,
        fillOpacity: 0.12,
        interactive: false,
      }).addTo(layer);
    }
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: markerRadius(point.tone),
      className: markerClass(point.tone),
      weight: 2,
      fillOpacity: 0.9,
    });
    marker.bindTooltip(textBlock(point.label), { direction: "top", offset: [0, -markerRadius(point.tone)] });
    marker.bindPopup(
      textBlock(
        point.label,
        point.detail,
        point.href ? { href: point.href, label: point.hrefLabel ?? "Open", onOpen } : undefined,
      ),
    );
    marker.addTo(layer);
  }
}

/** The box around every point (with its accuracy) and every fix, or null when there is nothing to show. */
export function boundsOf(
  L: LeafletModule,
  points: readonly MapPoint[],
  trails: readonly MapTrail[],
): Leaflet.LatLngBounds | null {
  let bounds: Leaflet.LatLngBounds | null = null;
  const extend = (box: Leaflet.LatLngBounds) => {
    bounds = bounds ? bounds.extend(box) : L.latLngBounds(box.getSouthWest(), box.getNorthEast());
  };
  for (const point of points) {
    extend(L.latLng(point.lat, point.lon).toBounds(Math.max(2 * (point.accuracyM ?? 0), 100)));
  }
  for (const trail of trails) {
    for (const fix of trail.fixes) extend(L.latLng(fix.lat, fix.lon).toBounds(100));
  }
  return bounds;
}
