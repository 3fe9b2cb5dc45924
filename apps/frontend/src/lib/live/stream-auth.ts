import { onlineManager } from "@tanstack/react-query";
import { accessToken, sessionRejected } from "@/lib/auth/session";
import { useSessionStore } from "@/lib/auth/session-store";
import { StreamSource, type NetworkState, type StreamAuth } from "./stream-source";

/**
 * The console's session as the stream needs it: the same access token every API call uses (refreshed by
 * `accessToken()` shortly before it expires), and a refresh on demand when the server ends the stream for it.
 */
export const sessionAuth: StreamAuth = {
  userId: () => useSessionStore.getState().session?.userId ?? null,
  subscribe: (listener) => useSessionStore.subscribe(listener),
  token: async (replacing) => {
    const token = await accessToken();
    if (!replacing || token !== replacing) return token;
    // The server's clock says this token is over while ours still had a margin: refresh it now.
    const session = useSessionStore.getState().session;
    if (session?.accessToken === replacing) useSessionStore.getState().setSession({ ...session, accessExpiresAt: 0 });
    return accessToken();
  },
  rejected: sessionRejected,
};

/** The browser's online state as React Query sees it (the offline banner and query pausing use the same). */
export const browserNetwork: NetworkState = {
  isOnline: () => onlineManager.isOnline(),
  subscribe: (listener) => onlineManager.subscribe(listener),
};

export const createStreamSource = (): StreamSource => new StreamSource({ auth: sessionAuth, network: browserNetwork });
