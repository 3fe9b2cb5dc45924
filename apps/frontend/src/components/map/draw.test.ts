import type * as Leaflet from "leaflet";
import { afterEach, beforeEach, expect, it } from "vitest";
import { drawFeatures, loadLeaflet, type LeafletModule } from "./draw";
import type { MapPoint } from "./map-types";

const POINT: MapPoint = {
  id: "responder:1",
  lat: 52.5,
  lon: 13.4,
  accuracyM: 20,
  label: "Rafael Responder (available)",
  detail: "Last seen just now",
  tone: "available",
};

let L: LeafletModule;
let map: Leaflet.Map;
let layer: Leaflet.FeatureGroup;
const noop = () => undefined;

beforeEach(async () => {
  L = await loadLeaflet();
  const container = document.createElement("div");
  document.body.append(container);
  map = L.map(container).setView([52.5, 13.4], 12);
  layer = L.featureGroup().addTo(map);
});

afterEach(() => {
  map.remove();
});

const markers = () => {
  const found: Leaflet.CircleMarker[] = [];
  layer.eachLayer((child) => {
    if (child instanceof L.CircleMarker && !(child instanceof L.Circle)) found.push(child);
  });
  return found;
};

it("moves a point already drawn instead of drawing it again, keeping its popup open", () => {
  drawFeatures(L, layer, [POINT], [], { onOpen: noop });
  const [marker] = markers();
  marker?.openPopup();
  drawFeatures(L, layer, [{ ...POINT, lat: 52.51, detail: "Last seen 5 s ago" }], [], { onOpen: noop });
  expect(markers()).toEqual([marker]);
  expect(marker?.getLatLng().lat).toBe(52.51);
  expect(marker?.isPopupOpen()).toBe(true);
  expect(marker?.getPopup()?.getContent()).toHaveProperty(
    "textContent",
    "Rafael Responder (available)Last seen 5 s ago",
  );
});

it("follows the accuracy of the newest fix", () => {
  drawFeatures(L, layer, [POINT], [], { onOpen: noop });
  drawFeatures(L, layer, [{ ...POINT, accuracyM: 80 }], [], { onOpen: noop });
  const circles: Leaflet.Circle[] = [];
  layer.eachLayer((child) => {
    if (child instanceof L.Circle) circles.push(child);
  });
  expect(circles.map((circle) => circle.getRadius())).toEqual([80]);
});

it("removes points no longer shown", () => {
  drawFeatures(L, layer, [POINT, { ...POINT, id: "responder:2" }], [], { onOpen: noop });
  drawFeatures(L, layer, [POINT], [], { onOpen: noop });
  expect(markers()).toHaveLength(1);
});

it("draws a point again when its kind changes, so its colour follows", () => {
  drawFeatures(L, layer, [POINT], [], { onOpen: noop });
  const [before] = markers();
  drawFeatures(L, layer, [{ ...POINT, tone: "busy" }], [], { onOpen: noop });
  const [after] = markers();
  expect(after).not.toBe(before);
  expect(markers()).toHaveLength(1);
});
