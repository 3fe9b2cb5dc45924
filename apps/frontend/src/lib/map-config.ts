"use client";

import { useQuery } from "@tanstack/react-query";

/** Runtime settings the backend serves beside the console, so one build works with or without a tile server. */
export interface MapConfig {
  /** An http(s) URL template with {z}/{x}/{y}; empty when no tile server is configured. */
  mapTileUrl: string;
  mapTileAttribution: string;
}

export const NO_TILES: MapConfig = { mapTileUrl: "", mapTileAttribution: "" };

const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "");

export function parseMapConfig(raw: unknown): MapConfig {
  const body = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const url = text(body.mapTileUrl);
  return {
    mapTileUrl: /^https?:\/\//.test(url) ? url : "",
    mapTileAttribution: text(body.mapTileAttribution),
  };
}

export async function fetchMapConfig(signal?: AbortSignal): Promise<MapConfig> {
  const url = new URL("/console-config.json", window.location.origin);
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  // A console not served by the backend (next dev) has no settings file: draw maps without tiles.
  if (!response.ok) return NO_TILES;
  return parseMapConfig(await response.json());
}

/** The map settings, fetched once per session; until they arrive (or if they cannot), maps draw without tiles. */
export function useMapConfig(): { config: MapConfig; settled: boolean } {
  const query = useQuery({
    queryKey: ["console-config"],
    queryFn: ({ signal }) => fetchMapConfig(signal),
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
  return { config: query.data ?? NO_TILES, settled: !query.isPending };
}
