"use client";

import { CloudOff, RefreshCw } from "lucide-react";
import { useOnline } from "@/lib/use-online";
import { cn } from "@/lib/cn";

const time = (epochMs: number) =>
  new Date(epochMs).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * How fresh a view's data is. Offline, or when refreshing fails, it says that the data shown is the last known
 * state and may be out of date.
 */
export function Freshness({
  updatedAt,
  failing,
  className,
}: {
  updatedAt: number;
  failing: boolean;
  className?: string;
}) {
  const online = useOnline();
  if (!updatedAt) return null;
  const stale = !online || failing;
  return (
    <p
      data-stale={stale}
      className={cn(
        "inline-flex min-h-6 items-center gap-xs rounded-md text-xs",
        stale ? "bg-status-acknowledged-bg px-sm font-medium text-status-acknowledged-fg" : "text-muted-foreground",
        className,
      )}
    >
      {stale ? <CloudOff aria-hidden="true" className="size-3.5" /> : <RefreshCw aria-hidden="true" className="size-3.5" />}
      {stale ? `Stale: last updated ${time(updatedAt)}. It may be out of date.` : `Updated ${time(updatedAt)}`}
    </p>
  );
}
