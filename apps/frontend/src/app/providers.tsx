"use client";

import { createSyncStoragePersister } from "@tanstack/query-sync-storage-persister";
import type { QueryClient } from "@tanstack/react-query";
import { PersistQueryClientProvider } from "@tanstack/react-query-persist-client";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { ServiceWorker } from "@/components/shell/service-worker";
import { Toaster } from "@/components/ui/toaster";
import { LiveSourceProvider } from "@/lib/live/live-source";
import { createStreamSource } from "@/lib/live/stream-auth";
import { makeQueryClient, OFFLINE_CACHE_MS } from "@/lib/query-client";
import { useSessionStore } from "@/lib/auth/session-store";

/**
 * The last data seen is kept in localStorage per user, so an offline console still shows it (marked stale). The
 * real-time stream keeps the cache fresh while someone is signed in; the console polls whenever it is not live.
 */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [liveSource] = useState(createStreamSource);
  const userId = useSessionStore((state) => state.session?.userId ?? "anonymous");
  useForgetOnUserChange(queryClient, userId);
  const [persister] = useState(() =>
    typeof window === "undefined"
      ? undefined
      : createSyncStoragePersister({ storage: window.localStorage, key: "sos.query-cache", throttleTime: 1_000 }),
  );
  return (
    <PersistQueryClientProvider
      client={queryClient}
      persistOptions={
        persister ? { persister, maxAge: OFFLINE_CACHE_MS, buster: userId } : { persister: noopPersister, maxAge: 0 }
      }
    >
      <LiveSourceProvider source={liveSource} queryClient={queryClient}>
        {children}
        <Toaster />
        <ServiceWorker />
      </LiveSourceProvider>
    </PersistQueryClientProvider>
  );
}

/**
 * One person's data never shows to the next on a shared device: when the signed-in user changes (sign-out, a session
 * ended by the server, or another sign-in), every cached query is cancelled and dropped, including results that land
 * after the sign-out, before the next page reads anything.
 */
function useForgetOnUserChange(queryClient: QueryClient, userId: string): void {
  const previous = useRef(userId);
  useEffect(() => {
    if (previous.current === userId) return;
    previous.current = userId;
    void queryClient.cancelQueries();
    queryClient.clear();
  }, [queryClient, userId]);
}

const noopPersister = {
  persistClient: async () => undefined,
  restoreClient: async () => undefined,
  removeClient: async () => undefined,
};
