"use client";

import type { Availability } from "@sos/contracts";
import { CircleCheck, Clock, Moon, type LucideIcon } from "lucide-react";
import { useId } from "react";
import { TimeAgo } from "@/components/messages/time-ago";
import { Freshness } from "@/components/shell/freshness";
import { Card } from "@/components/ui/card";
import { ErrorState, Skeleton } from "@/components/ui/states";
import { ApiProblem } from "@/lib/api/problem";
import { cn } from "@/lib/cn";
import { useMyResponderProfile, useSetMyAvailability } from "@/lib/queries/my-responder";
import { notify, notifyError } from "@/lib/toast";

const OPTIONS: ReadonlyArray<{ value: Availability; label: string; hint: string; icon: LucideIcon }> = [
  { value: "available", label: "Available", hint: "Ready for new assignments", icon: CircleCheck },
  { value: "busy", label: "Busy", hint: "Working, not free for more", icon: Clock },
  { value: "off_duty", label: "Off duty", hint: "Not working now", icon: Moon },
];

const LABEL: Record<Availability, string> = { available: "Available", busy: "Busy", off_duty: "Off duty" };

/** The responder's own availability, which coordinators see when they pick who to send. */
export function AvailabilityControl() {
  const id = useId();
  const profile = useMyResponderProfile();
  const change = useSetMyAvailability();
  const noProfileYet = profile.error instanceof ApiProblem && profile.error.status === 404;
  const current = profile.data?.availability;

  const choose = (availability: Availability) => {
    if (availability === current || change.isPending) return;
    change.mutate(availability, {
      onSuccess: () => notify({ tone: "success", title: `You are now ${LABEL[availability].toLowerCase()}` }),
      onError: (error) => notifyError("Your availability was not changed", error),
    });
  };

  let body;
  if (profile.isPending) body = <Skeleton className="h-16 w-full" />;
  else if (profile.isError && !profile.data && !noProfileYet)
    body = <ErrorState error={profile.error} onRetry={() => void profile.refetch()} />;
  else
    body = (
      <div className="grid grid-cols-3 gap-xs" role="radiogroup" aria-labelledby={`${id}-legend`}>
        {OPTIONS.map((option) => {
          const Icon = option.icon;
          return (
            <label
              key={option.value}
              className={cn(
                "flex min-h-16 cursor-pointer flex-col items-center justify-center gap-2xs rounded-md border border-input px-xs py-sm text-center text-sm font-medium text-foreground hover:bg-muted",
                "has-[:checked]:border-primary has-[:checked]:bg-primary has-[:checked]:text-primary-foreground",
                "has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring has-[:focus-visible]:ring-offset-2 has-[:focus-visible]:ring-offset-background",
                "has-[:disabled]:cursor-wait",
              )}
            >
              <input
                type="radio"
                name={`${id}-availability`}
                value={option.value}
                checked={current === option.value}
                onChange={() => choose(option.value)}
                disabled={change.isPending}
                aria-describedby={`${id}-${option.value}-hint`}
                className="sr-only"
              />
              <Icon aria-hidden="true" className="size-4" />
              <span>{option.label}</span>
              <span id={`${id}-${option.value}-hint`} className="hidden text-xs font-normal sm:block">
                {option.hint}
              </span>
            </label>
          );
        })}
      </div>
    );

  return (
    <Card className="flex flex-col gap-sm">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <h2 id={`${id}-legend`} className="text-base font-semibold text-foreground">
          My availability
        </h2>
        <Freshness updatedAt={profile.dataUpdatedAt} failing={profile.isError && !noProfileYet} />
      </div>
      {body}
      <p className="min-h-5 text-xs text-muted-foreground" aria-live="polite">
        {change.isPending ? (
          "Saving…"
        ) : noProfileYet ? (
          "Not set yet. Choose one so coordinators know whether they can send you."
        ) : profile.data ? (
          <>
            Coordinators see this when they assign. {LABEL[profile.data.availability]} since{" "}
            <TimeAgo iso={profile.data.availability_changed_at} />.
          </>
        ) : null}
      </p>
    </Card>
  );
}
