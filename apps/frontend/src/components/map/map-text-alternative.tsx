"use client";

import Link from "next/link";
import { formatAccuracy, formatDateTime, formatPosition } from "@/components/alerts/format";
import type { MapPoint, MapTrail } from "./map-types";

function Position({ lat, lon, accuracyM }: { lat: number; lon: number; accuracyM?: number | null | undefined }) {
  const accuracy = formatAccuracy(accuracyM);
  return (
    <span className="font-mono tabular-nums">
      {formatPosition(lat, lon)}
      {accuracy ? <span className="font-sans text-muted-foreground"> ({accuracy})</span> : null}
    </span>
  );
}

/** The map's content as text: every point with its coordinates, and every trail fix by fix. */
export function MapTextAlternative({ points, trails }: { points: readonly MapPoint[]; trails: readonly MapTrail[] }) {
  const fixes = trails.reduce((total, trail) => total + trail.fixes.length, 0);
  const count = points.length + fixes;
  return (
    <details className="rounded-md border border-border text-sm">
      <summary className="cursor-pointer rounded-md px-md py-sm font-medium text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
        Positions on this map as a list ({count})
      </summary>
      {count === 0 ? (
        <p className="px-md pb-sm text-muted-foreground">No positions.</p>
      ) : (
        <div className="flex flex-col gap-sm px-md pb-md">
          {points.length > 0 ? (
            <ul className="flex flex-col gap-xs">
              {points.map((point) => (
                <li key={point.id}>
                  <span className="font-medium text-foreground">{point.label}</span>
                  {point.detail ? <span className="text-muted-foreground"> · {point.detail}</span> : null} ·{" "}
                  <Position lat={point.lat} lon={point.lon} accuracyM={point.accuracyM} />
                  {point.href ? (
                    <>
                      {" "}
                      <Link href={point.href} className="text-primary underline">
                        {point.hrefLabel ?? "Open"}
                      </Link>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
          {trails
            .filter((trail) => trail.fixes.length > 0)
            .map((trail) => (
              <div key={trail.id}>
                <p className="font-medium text-foreground">
                  {trail.label}: {trail.fixes.length} {trail.fixes.length === 1 ? "fix" : "fixes"}, oldest first
                </p>
                <ol className="ml-lg list-decimal">
                  {trail.fixes.map((fix) => (
                    <li key={`${fix.recordedAt}-${fix.lat}-${fix.lon}`}>
                      <time dateTime={fix.recordedAt}>{formatDateTime(fix.recordedAt)}</time> ·{" "}
                      <Position lat={fix.lat} lon={fix.lon} accuracyM={fix.accuracyM} />
                    </li>
                  ))}
                </ol>
              </div>
            ))}
        </div>
      )}
    </details>
  );
}
