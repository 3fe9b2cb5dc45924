"use client";

import { useSyncExternalStore } from "react";
import { cn } from "@/lib/cn";

const TICK_MS = 30_000;
let now = Date.now();
const listeners = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (ticker === null) {
    ticker = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && ticker !== null) {
      clearInterval(ticker);
      ticker = null;
    }
  };
}

function snapshot(): number {
  // Between ticks the value must stay put; with no ticker running (first mount), catch up with the clock.
  if (ticker === null && Date.now() - now > 1_000) now = Date.now();
  return now;
}

/** The current time, re-rendering every 30 s: one shared timer for every relative time on the page. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

/** "just now", "4 min ago", "3 hr ago", "yesterday". */
export function formatRelative(iso: string, nowMs: number): string {
  const seconds = Math.round((new Date(iso).getTime() - nowMs) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3_600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3_600), "hour");
  return relative.format(Math.round(seconds / 86_400), "day");
}

/** "14:05" today, "25 Nov, 14:05" on another day. */
export function formatAbsolute(iso: string, nowMs: number): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date(nowMs).toDateString()) return time;
  return `${date.toLocaleDateString(undefined, { day: "numeric", month: "short" })}, ${time}`;
}

/** A moment as relative and absolute time ("4 min ago · 14:05"), with the full date and time on hover. */
export function TimeAgo({ iso, className }: { iso: string; className?: string }) {
  const nowMs = useNow();
  const full = new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  return (
    <time dateTime={iso} title={full} className={cn("whitespace-nowrap", className)}>
      {formatRelative(iso, nowMs)} · {formatAbsolute(iso, nowMs)}
    </time>
  );
}
