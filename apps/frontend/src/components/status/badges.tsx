import { severity as severityTokens, status as statusTokens } from "@sos/design-system";
import type { AlertStatus, Severity } from "@sos/contracts";
import {
  BellRing,
  CircleAlert,
  CircleCheck,
  CircleX,
  Eye,
  Info,
  MapPin,
  OctagonAlert,
  Send,
  TriangleAlert,
  type LucideIcon,
} from "lucide-react";
import { cn } from "@/lib/cn";

// The design system names each indicator's lucide icon; importing them by name keeps the bundle small.
const ICONS: Record<string, LucideIcon> = {
  info: Info,
  "circle-alert": CircleAlert,
  "triangle-alert": TriangleAlert,
  "octagon-alert": OctagonAlert,
  "bell-ring": BellRing,
  eye: Eye,
  send: Send,
  "map-pin": MapPin,
  "circle-check": CircleCheck,
  "circle-x": CircleX,
};

const SEVERITY_CLASS: Record<Severity, string> = {
  low: "bg-severity-low-bg text-severity-low-fg",
  medium: "bg-severity-medium-bg text-severity-medium-fg",
  high: "bg-severity-high-bg text-severity-high-fg",
  critical: "bg-severity-critical-bg text-severity-critical-fg",
};

const STATUS_CLASS: Record<AlertStatus, string> = {
  triggered: "bg-status-triggered-bg text-status-triggered-fg",
  acknowledged: "bg-status-acknowledged-bg text-status-acknowledged-fg",
  dispatched: "bg-status-dispatched-bg text-status-dispatched-fg",
  on_scene: "bg-status-on-scene-bg text-status-on-scene-fg",
  resolved: "bg-status-resolved-bg text-status-resolved-fg",
  cancelled: "bg-status-cancelled-bg text-status-cancelled-fg",
};

const pill = "inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold";

/** Severity as icon + label + colour: never colour alone. */
export function SeverityBadge({ severity, className }: { severity: Severity; className?: string }) {
  const token = severityTokens[severity];
  const Icon = ICONS[token.icon] ?? Info;
  return (
    <span className={cn(pill, SEVERITY_CLASS[severity], className)}>
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Severity: </span>
        {token.label}
      </span>
    </span>
  );
}

export function StatusBadge({ status, className }: { status: AlertStatus; className?: string }) {
  const token = statusTokens[status];
  const Icon = ICONS[token.icon] ?? Info;
  return (
    <span className={cn(pill, STATUS_CLASS[status], className)}>
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Status: </span>
        {token.label}
      </span>
    </span>
  );
}
