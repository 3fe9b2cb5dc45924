import type { Availability } from "@sos/contracts";
import { CircleCheck, CircleMinus, Moon, type LucideIcon } from "lucide-react";
import { cn } from "@/lib/cn";

export const AVAILABILITY_LABEL: Record<Availability, string> = {
  available: "Available",
  busy: "Busy",
  off_duty: "Off duty",
};

export const AVAILABILITIES: readonly Availability[] = ["available", "busy", "off_duty"];

const ICON: Record<Availability, LucideIcon> = { available: CircleCheck, busy: CircleMinus, off_duty: Moon };

const CLASS: Record<Availability, string> = {
  available: "bg-status-resolved-bg text-status-resolved-fg",
  busy: "bg-status-acknowledged-bg text-status-acknowledged-fg",
  off_duty: "bg-status-cancelled-bg text-status-cancelled-fg",
};

/** Availability as icon + label + colour. */
export function AvailabilityBadge({ availability, className }: { availability: Availability; className?: string }) {
  const Icon = ICON[availability];
  return (
    <span
      className={cn(
        "inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold",
        CLASS[availability],
        className,
      )}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Availability: </span>
        {AVAILABILITY_LABEL[availability]}
      </span>
    </span>
  );
}

const RANK: Record<Availability, number> = { available: 0, busy: 1, off_duty: 2 };
export const availabilityRank = (availability: Availability): number => RANK[availability];
