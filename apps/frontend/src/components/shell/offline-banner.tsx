"use client";

import { CloudOff } from "lucide-react";
import { useOnline } from "@/lib/use-online";

export function OfflineBanner() {
  const online = useOnline();
  if (online) return null;
  return (
    <div
      role="status"
      className="flex items-center justify-center gap-sm bg-status-acknowledged-bg px-lg py-sm text-sm font-medium text-status-acknowledged-fg"
    >
      <CloudOff aria-hidden="true" className="size-4" />
      You are offline. The console shows the last data it had, marked stale; changes need a connection.
    </div>
  );
}
