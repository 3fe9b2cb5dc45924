"use client";

import type * as Leaflet from "leaflet";
import { Maximize } from "lucide-react";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";
import { useMapConfig } from "@/lib/map-config";
import { boundsOf, drawFeatures, loadLeaflet, type LeafletModule } from "./draw";
import type { MapPoint, MapTrail } from "./map-types";
import { MapTextAlternative } from "./map-text-alternative";

interface LiveMap {
  L: LeafletModule;
  map: Leaflet.Map;
  layer: Leaflet.FeatureGroup;
}

/** Zoom for a single position: streets and buildings are distinguishable, yet the surroundings are in view. */
const MAX_FIT_ZOOM = 16;

/**
 * A Leaflet map of positions (markers with accuracy circles) and trails, working without any tile server: with no
 * `mapTileUrl` configured it draws on a plain background with a scale bar. It keeps a fixed height, so nothing
 * jumps while Leaflet loads, and a text list of the same positions follows it for screen readers and keyboards.
 */
export function GeoMap({
  label,
  points,
  trails = [],
  emptyText = "No positions to show yet.",
  className,
}: {
  /** What the map shows, e.g. "Map of alert position and trail". */
  label: string;
  points: readonly MapPoint[];
  trails?: readonly MapTrail[];
  emptyText?: string;
  className?: string;
}) {
  const router = useRouter();
  const { config } = useMapConfig();
  const containerRef = useRef<HTMLDivElement>(null);
  const liveRef = useRef<LiveMap | null>(null);
  const fittedKeyRef = useRef<string | null>(null);
  const [ready, setReady] = useState(false);
  const [broken, setBroken] = useState(false);
  const noteId = useId();
  const empty = points.length === 0 && trails.every((trail) => trail.fixes.length === 0);

  useEffect(() => {
    let cancelled = false;
    let created: Leaflet.Map | null = null;
    loadLeaflet()
      .then((L) => {
        const container = containerRef.current;
        if (cancelled || !container) return;
        const map = L.map(container, { attributionControl: false, worldCopyJump: true, zoomSnap: 0.5 });
        map.setView([0, 0], 2);
        L.control.scale({ imperial: false }).addTo(map);
        const layer = L.featureGroup().addTo(map);
        created = map;
        liveRef.current = { L, map, layer };
        setReady(true);
      })
      .catch(() => {
        if (!cancelled) setBroken(true);
      });
    return () => {
      cancelled = true;
      created?.remove();
      liveRef.current = null;
      fittedKeyRef.current = null;
    };
  }, []);

  // Tiles only when the server names a tile source; otherwise the plain background stays.
  useEffect(() => {
    const live = liveRef.current;
    if (!ready || !live || !config.mapTileUrl) return;
    const tiles = live.L.tileLayer(config.mapTileUrl, { maxZoom: 19 }).addTo(live.map);
    const attribution = config.mapTileAttribution
      ? live.L.control.attribution({ prefix: false }).addAttribution(config.mapTileAttribution).addTo(live.map)
      : null;
    return () => {
      tiles.remove();
      attribution?.remove();
    };
  }, [ready, config.mapTileUrl, config.mapTileAttribution]);

  const fit = useCallback(() => {
    const live = liveRef.current;
    if (!live) return;
    const bounds = boundsOf(live.L, points, trails);
    if (bounds) live.map.fitBounds(bounds, { padding: [24, 24], maxZoom: MAX_FIT_ZOOM });
  }, [points, trails]);

  const open = useCallback((href: string) => router.push(href), [router]);

  useEffect(() => {
    const live = liveRef.current;
    if (!ready || !live) return;
    try {
      drawFeatures(live.L, live.layer, points, trails, { onOpen: open });
      // Refit only when the set of things shown changes, so a refresh does not undo the user's pan and zoom.
      const key = [...points.map((point) => point.id), ...trails.map((trail) => trail.id)].sort().join("|");
      if (key !== fittedKeyRef.current) {
        fittedKeyRef.current = key;
        fit();
      }
    } catch {
      setBroken(true);
    }
  }, [ready, points, trails, open, fit]);

  return (
    <div className={cn("flex flex-col gap-sm", className)}>
      {/* "isolate" keeps Leaflet's high z-index panes below dialogs and the header. */}
      <div className="relative isolate">
        <div
          ref={containerRef}
          role="region"
          aria-roledescription="map"
          aria-label={label}
          aria-describedby={noteId}
          className="h-72 w-full overflow-hidden rounded-md border border-border bg-muted! font-sans focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring sm:h-96"
        />
        {!ready && !broken ? (
          <div aria-hidden="true" className="absolute inset-0 animate-pulse rounded-md bg-muted" />
        ) : null}
        {empty || broken ? (
          <p className="pointer-events-none absolute inset-x-0 top-1/2 z-[500] mx-auto w-fit -translate-y-1/2 rounded-md bg-background px-md py-sm text-sm text-foreground shadow-md">
            {broken ? "This browser could not draw the map. The positions are listed below." : emptyText}
          </p>
        ) : null}
        {!empty && ready ? (
          <Button
            variant="outline"
            size="sm"
            onClick={fit}
            className="absolute right-sm top-sm z-[500] shadow-sm"
          >
            <Maximize aria-hidden="true" /> Show all
          </Button>
        ) : null}
      </div>
      <p id={noteId} className="text-xs text-muted-foreground">
        {config.mapTileUrl
          ? "Drag or use the arrow keys to pan, + and − to zoom."
          : "No base map is configured: positions are drawn on a blank background; the scale bar shows distance. Drag or use the arrow keys to pan, + and − to zoom."}
      </p>
      <MapTextAlternative points={points} trails={trails} />
    </div>
  );
}
