import type { BreakerState, ProviderHealth } from "@sos/contracts";
import { CircleCheck, CircleX, RotateCw } from "lucide-react";
import { formatDateTime } from "@/components/admin/format";
import { cn } from "@/lib/cn";

const BREAKER: Record<BreakerState, { label: string; className: string; icon: typeof CircleCheck }> = {
  closed: { label: "Sending", className: "bg-status-resolved-bg text-status-resolved-fg", icon: CircleCheck },
  open: { label: "Paused after failures", className: "bg-status-triggered-bg text-status-triggered-fg", icon: CircleX },
  half_open: {
    label: "Trying again",
    className: "bg-status-acknowledged-bg text-status-acknowledged-fg",
    icon: RotateCw,
  },
};

/** The circuit breaker's state in words, icon and colour (never colour alone). */
export function BreakerBadge({ state }: { state: BreakerState }) {
  const { label, className, icon: Icon } = BREAKER[state];
  return (
    <span className={cn("inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold", className)}>
      <Icon aria-hidden="true" className="size-3.5" />
      <span>
        <span className="sr-only">Circuit breaker: </span>
        {label}
      </span>
    </span>
  );
}

export const successRate = (health: ProviderHealth): string =>
  health.success_rate_last_hour === null ? "No attempts" : `${Math.round(health.success_rate_last_hour * 1000) / 10}%`;

/** The last hour's numbers and the last error, as a compact description list. */
export function HealthFacts({ health }: { health: ProviderHealth }) {
  return (
    <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-md gap-y-2xs text-sm">
      <dt className="text-muted-foreground">Success (last hour)</dt>
      <dd className="text-foreground">
        {successRate(health)}
        {health.attempts_last_hour
          ? ` of ${health.attempts_last_hour} attempt${health.attempts_last_hour === 1 ? "" : "s"}`
          : ""}
      </dd>
      <dt className="text-muted-foreground">p95 latency</dt>
      <dd className="text-foreground">
        {health.p95_latency_ms_last_hour === null ? "—" : `${health.p95_latency_ms_last_hour} ms`}
      </dd>
      <dt className="text-muted-foreground">Last success</dt>
      <dd className="text-foreground">{health.last_success_at ? formatDateTime(health.last_success_at) : "—"}</dd>
      {health.last_error ? (
        <>
          <dt className="text-muted-foreground">Last error</dt>
          <dd className="break-words text-danger">
            {health.last_error}
            {health.last_failure_at ? ` (${formatDateTime(health.last_failure_at)})` : ""}
          </dd>
        </>
      ) : null}
      {health.consecutive_failures ? (
        <>
          <dt className="text-muted-foreground">Failures in a row</dt>
          <dd className="text-foreground">{health.consecutive_failures}</dd>
        </>
      ) : null}
    </dl>
  );
}
