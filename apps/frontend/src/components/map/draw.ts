import type * as Leaflet from "leaflet";
import { formatAccuracy, formatDateTime, formatPosition } from "@/components/alerts/format";
import type { MapPoint, MapTrail, MarkerTone } from "./map-types";
import { accuracyClass, markerClass, markerRadius, TRAIL_CLASS, TRAIL_FIX_CLASS } from "./marker-style";

export type LeafletModule = typeof Leaflet;

/** Leaflet is a UMD bundle: the namespace arrives as the default export or as the module itself. */
export async function loadLeaflet(): Promise<LeafletModule> {
  const loaded = await import("leaflet");
  return (loaded as { default?: LeafletModule }).default ?? loaded;
}

/** Popup and tooltip content built as DOM, never HTML strings: labels and notes come from users. */
function textBlock(
  title: string,
  detail?: string,
  link?: { href: string; label: string; onOpen: (href: string) => void },
) {
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

interface DrawnPoint {
  marker: Leaflet.CircleMarker;
  circle: Leaflet.Circle | null;
  tone: MarkerTone;
}

/** What is drawn in a layer: points by id (kept between draws), and the trails (redrawn each time). */
interface Drawing {
  points: Map<string, DrawnPoint>;
  trails: Leaflet.FeatureGroup;
}

const drawings = new WeakMap<Leaflet.FeatureGroup, Drawing>();

function drawTrails(L: LeafletModule, group: Leaflet.FeatureGroup, trails: readonly MapTrail[]): void {
  group.clearLayers();
  for (const trail of trails) {
    const line = trail.fixes.map((fix) => L.latLng(fix.lat, fix.lon));
    if (line.length > 1) {
      L.polyline(line, { className: TRAIL_CLASS, weight: 3, opacity: 0.8, dashArray: "6 6", interactive: false }).addTo(
        group,
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
        .addTo(group);
    });
  }
}

function accuracyCircle(L: LeafletModule, point: MapPoint): Leaflet.Circle {
  return L.circle([point.lat, point.lon], {
    radius: point.accuracyM ?? 0,
    className: accuracyClass(point.tone),
    weight: 1,
    opacity: 0.6,
    fillOpacity: 0.12,
    interactive: false,
  });
}

function popupOf(point: MapPoint, onOpen: (href: string) => void): HTMLElement {
  return textBlock(
    point.label,
    point.detail,
    point.href ? { href: point.href, label: point.hrefLabel ?? "Open", onOpen } : undefined,
  );
}

function drawPoint(L: LeafletModule, layer: Leaflet.FeatureGroup, point: MapPoint, onOpen: (href: string) => void) {
  const circle = point.accuracyM && point.accuracyM > 0 ? accuracyCircle(L, point).addTo(layer) : null;
  const marker = L.circleMarker([point.lat, point.lon], {
    radius: markerRadius(point.tone),
    className: markerClass(point.tone),
    weight: 2,
    fillOpacity: 0.9,
  });
  marker.bindTooltip(textBlock(point.label), { direction: "top", offset: [0, -markerRadius(point.tone)] });
  marker.bindPopup(popupOf(point, onOpen));
  marker.addTo(layer);
  return { marker, circle, tone: point.tone };
}

function erasePoint(layer: Leaflet.FeatureGroup, drawn: DrawnPoint): void {
  layer.removeLayer(drawn.marker);
  if (drawn.circle) layer.removeLayer(drawn.circle);
}

/** Moves a drawn point and refreshes its words, leaving an open popup open (live positions move under the user). */
function updatePoint(
  L: LeafletModule,
  layer: Leaflet.FeatureGroup,
  drawn: DrawnPoint,
  point: MapPoint,
  onOpen: (href: string) => void,
): void {
  const at = L.latLng(point.lat, point.lon);
  drawn.marker.setLatLng(at);
  drawn.marker.setTooltipContent(textBlock(point.label));
  drawn.marker.setPopupContent(popupOf(point, onOpen));
  const accuracy = point.accuracyM && point.accuracyM > 0 ? point.accuracyM : null;
  if (accuracy === null) {
    if (drawn.circle) layer.removeLayer(drawn.circle);
    drawn.circle = null;
  } else if (drawn.circle) {
    drawn.circle.setLatLng(at).setRadius(accuracy);
  } else {
    drawn.circle = accuracyCircle(L, point).addTo(layer);
  }
}

/**
 * Draws trails under points, each point with its accuracy circle, into `layer`. A point already drawn (same id and
 * tone) is moved rather than drawn again, so markers follow live positions and an open popup stays open.
 */
export function drawFeatures(
  L: LeafletModule,
  layer: Leaflet.FeatureGroup,
  points: readonly MapPoint[],
  trails: readonly MapTrail[],
  { onOpen }: DrawOptions,
): void {
  let drawing = drawings.get(layer);
  if (!drawing) {
    layer.clearLayers();
    drawing = { points: new Map(), trails: L.featureGroup().addTo(layer) };
    drawings.set(layer, drawing);
  }
  drawTrails(L, drawing.trails, trails);
  const shown = new Set<string>();
  for (const point of points) {
    shown.add(point.id);
    const drawn = drawing.points.get(point.id);
    if (drawn && drawn.tone === point.tone) {
      updatePoint(L, layer, drawn, point, onOpen);
      continue;
    }
    if (drawn) erasePoint(layer, drawn);
    drawing.points.set(point.id, drawPoint(L, layer, point, onOpen));
  }
  for (const [id, drawn] of drawing.points) {
    if (shown.has(id)) continue;
    erasePoint(layer, drawn);
    drawing.points.delete(id);
  }
  // Stacking: accuracy circles at the bottom, then trails, then the markers people click.
  for (const drawn of drawing.points.values()) drawn.circle?.bringToBack();
  for (const drawn of drawing.points.values()) drawn.marker.bringToFront();
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
