import type { MembershipStatus } from "@sos/contracts";
import { CircleCheck, CircleX, MailQuestion, type LucideIcon } from "lucide-react";
import { cn } from "@/lib/cn";

export const MEMBERSHIP_STATUS_LABEL: Record<MembershipStatus, string> = {
  invited: "Invited",
  active: "Active",
  deactivated: "Deactivated",
};

const LOOK: Record<MembershipStatus, { icon: LucideIcon; className: string }> = {
  invited: { icon: MailQuestion, className: "bg-status-acknowledged-bg text-status-acknowledged-fg" },
  active: { icon: CircleCheck, className: "bg-status-resolved-bg text-status-resolved-fg" },
  deactivated: { icon: CircleX, className: "bg-status-cancelled-bg text-status-cancelled-fg" },
};

/** Membership status as icon + label + colour. */
export function MembershipStatusBadge({ status, className }: { status: MembershipStatus; className?: string }) {
  const { icon: Icon, className: look } = LOOK[status];
  return (
    <span
      className={cn("inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold", look, className)}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Status: </span>
        {MEMBERSHIP_STATUS_LABEL[status]}
      </span>
    </span>
  );
}
