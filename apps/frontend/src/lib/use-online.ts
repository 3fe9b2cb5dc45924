"use client";

import { onlineManager } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";

// React Query starts "online" and only listens for later events: a console opened without a network starts offline.
if (typeof navigator !== "undefined") onlineManager.setOnline(navigator.onLine);

/** Whether the browser believes it is online (React Query pauses and resumes on the same signal). */
export function useOnline(): boolean {
  return useSyncExternalStore(
    (notify) => onlineManager.subscribe(notify),
    () => onlineManager.isOnline(),
    () => true,
  );
}

const noop = () => () => undefined;

/** False during the static prerender and the first client render, true after: guards browser-only state. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
}
