import { QueryClient } from "@tanstack/react-query";
import { ApiProblem } from "@/lib/api/problem";

/** How long the last data seen is kept for offline use. */
export const OFFLINE_CACHE_MS = 24 * 60 * 60 * 1000;

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        gcTime: OFFLINE_CACHE_MS,
        // "offlineFirst": with no network, show the cache and try the request anyway (the server may be on the LAN).
        networkMode: "offlineFirst",
        retry: (failures, error) =>
          failures < 3 && !(error instanceof ApiProblem && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: true,
      },
      mutations: { networkMode: "always", retry: false },
    },
  });
}
