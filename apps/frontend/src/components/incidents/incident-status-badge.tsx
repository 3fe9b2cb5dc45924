import type { IncidentStatus } from "@sos/contracts";
import { CircleCheck, Siren } from "lucide-react";
import { cn } from "@/lib/cn";

export const INCIDENT_STATUS_LABEL: Record<IncidentStatus, string> = { open: "Open", resolved: "Resolved" };

/** Incident status as icon + label + colour. */
export function IncidentStatusBadge({ status, className }: { status: IncidentStatus; className?: string }) {
  const Icon = status === "open" ? Siren : CircleCheck;
  return (
    <span
      className={cn(
        "inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold",
        status === "open"
          ? "bg-status-triggered-bg text-status-triggered-fg"
          : "bg-status-resolved-bg text-status-resolved-fg",
        className,
      )}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Incident status: </span>
        {INCIDENT_STATUS_LABEL[status]}
      </span>
    </span>
  );
}
