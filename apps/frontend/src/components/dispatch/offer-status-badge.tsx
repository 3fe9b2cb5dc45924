import type { OfferStatus } from "@sos/contracts";
import { CircleCheck, CircleSlash, CircleX, Hourglass, TimerOff, type LucideIcon } from "lucide-react";
import { cn } from "@/lib/cn";
import { OFFER_STATUS_LABEL } from "./format";

const ICON: Record<OfferStatus, LucideIcon> = {
  offered: Hourglass,
  accepted: CircleCheck,
  declined: CircleX,
  expired: TimerOff,
  withdrawn: CircleSlash,
};

const CLASS: Record<OfferStatus, string> = {
  offered: "bg-status-acknowledged-bg text-status-acknowledged-fg",
  accepted: "bg-status-resolved-bg text-status-resolved-fg",
  declined: "bg-status-triggered-bg text-status-triggered-fg",
  expired: "bg-status-cancelled-bg text-status-cancelled-fg",
  withdrawn: "bg-status-cancelled-bg text-status-cancelled-fg",
};

/** An offer's status as icon + words + colour: never colour alone. */
export function OfferStatusBadge({ status, className }: { status: OfferStatus; className?: string }) {
  const Icon = ICON[status];
  return (
    <span
      className={cn(
        "inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold",
        CLASS[status],
        className,
      )}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Offer status: </span>
        {OFFER_STATUS_LABEL[status]}
      </span>
    </span>
  );
}
