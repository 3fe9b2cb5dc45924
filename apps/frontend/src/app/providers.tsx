"use client";

import { createSyncStoragePersister } from "@tanstack/query-sync-storage-persister";
import { PersistQueryClientProvider } from "@tanstack/react-query-persist-client";
import { useState, type ReactNode } from "react";
import { ServiceWorker } from "@/components/shell/service-worker";
import { Toaster } from "@/components/ui/toaster";
import { LiveSourceProvider, pollingSource } from "@/lib/live/live-source";
import { makeQueryClient, OFFLINE_CACHE_MS } from "@/lib/query-client";
import { useSessionStore } from "@/lib/auth/session-store";

/** The last data seen is kept in localStorage per user, so an offline console still shows it (marked stale). */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const userId = useSessionStore((state) => state.session?.userId ?? "anonymous");
  const [persister] = useState(() =>
    typeof window === "undefined"
      ? undefined
      : createSyncStoragePersister({ storage: window.localStorage, key: "sos.query-cache", throttleTime: 1_000 }),
  );
  return (
    <PersistQueryClientProvider
      client={queryClient}
      persistOptions={
        persister
          ? { persister, maxAge: OFFLINE_CACHE_MS, buster: userId }
          : { persister: noopPersister, maxAge: 0 }
      }
    >
      <LiveSourceProvider source={pollingSource} queryClient={queryClient}>
        {children}
        <Toaster />
        <ServiceWorker />
      </LiveSourceProvider>
    </PersistQueryClientProvider>
  );
}

const noopPersister = {
  persistClient: async () => undefined,
  restoreClient: async () => undefined,
  removeClient: async () => undefined,
};
