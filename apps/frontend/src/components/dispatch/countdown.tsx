"use client";

import { Timer } from "lucide-react";
import { useNow } from "@/components/alerts/use-now";
import { cn } from "@/lib/cn";

/** Whole seconds from `now` until `expiresAt` (never negative). */
export function secondsLeft(expiresAt: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
}

/** "1:05", "0:09"; hours only when an offer waits that long ("1:02:00"). */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/**
 * What a screen reader hears about the time left: only the moments that change what to do (30 s, 10 s, expired),
 * never every second. Null while there is plenty of time.
 */
export function countdownMilestone(seconds: number): string | null {
  if (seconds <= 0) return "The time to answer is up.";
  if (seconds <= 10) return "10 seconds left to answer.";
  if (seconds <= 30) return "30 seconds left to answer.";
  return null;
}

/**
 * The time left to answer an offer, counting down every second. The visible clock is a timer (not announced); a
 * separate polite live region speaks only the milestones. Urgency shows as text and weight, not colour alone.
 */
export function Countdown({
  expiresAt,
  className,
  announce = true,
}: {
  expiresAt: string;
  className?: string;
  /** Off where several countdowns are on one screen (a list of offers) so they do not talk over each other. */
  announce?: boolean;
}) {
  const now = useNow(1_000);
  const left = secondsLeft(expiresAt, now);
  const urgent = left > 0 && left <= 10;
  return (
    <span className={cn("inline-flex items-center gap-xs text-sm", className)}>
      <Timer aria-hidden="true" className="size-4 shrink-0" />
      <span role="timer" className={cn("tabular-nums", urgent ? "font-bold text-danger" : "text-foreground")}>
        {left > 0 ? (
          <>
            {formatCountdown(left)} left{urgent ? " (hurry)" : ""}
          </>
        ) : (
          "Time is up"
        )}
      </span>
      {announce ? (
        <span className="sr-only" aria-live="polite" aria-atomic="true">
          {countdownMilestone(left)}
        </span>
      ) : null}
    </span>
  );
}
