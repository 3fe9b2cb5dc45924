"use client";

import { Hourglass, Loader, Radio, WifiOff, type LucideIcon } from "lucide-react";
import { cn } from "@/lib/cn";
import { useLiveStatus, type LiveStatus } from "@/lib/live/live-source";

interface StatusLook {
  label: string;
  /** Read after the label by screen readers, and shown on hover. */
  description: string;
  icon: LucideIcon;
  /** Design-system badge pairs, checked for WCAG AA contrast in both themes (packages/design-system). */
  className: string;
}

export const STATUS_LOOK: Record<LiveStatus, StatusLook> = {
  live: {
    label: "Live",
    description: "Changes appear as they happen.",
    icon: Radio,
    className: "bg-status-resolved-bg text-status-resolved-fg",
  },
  stale: {
    label: "Stale",
    description: "No word from the server for a while; checking every few seconds meanwhile.",
    icon: Hourglass,
    className: "bg-status-acknowledged-bg text-status-acknowledged-fg",
  },
  offline: {
    label: "Offline",
    description: "No live connection: the console refreshes every few seconds and reconnects on its own.",
    icon: WifiOff,
    className: "bg-status-cancelled-bg text-status-cancelled-fg",
  },
  connecting: {
    label: "Connecting",
    description: "Opening the live connection; the console refreshes every few seconds until it is open.",
    icon: Loader,
    className: "bg-status-cancelled-bg text-status-cancelled-fg",
  },
};

/**
 * How fresh the console is, in the header: live, stale or offline, in words and an icon as well as colour. It is a
 * polite live region, so a screen reader hears a change of state (not the state already shown when a page opens).
 */
export function ConnectionIndicator({ className }: { className?: string }) {
  const status = useLiveStatus();
  const look = STATUS_LOOK[status];
  const Icon = look.icon;
  return (
    <p
      role="status"
      aria-live="polite"
      aria-atomic="true"
      aria-label={`Real-time updates: ${look.label}`}
      title={look.description}
      data-live-status={status}
      className={cn(
        "inline-flex h-7 shrink-0 items-center gap-xs rounded-full px-sm text-xs font-semibold",
        look.className,
        className,
      )}
    >
      <Icon aria-hidden="true" className="size-3.5" />
      <span className="sr-only">Real-time updates: </span>
      {look.label}
      <span className="sr-only">. {look.description}</span>
    </p>
  );
}
