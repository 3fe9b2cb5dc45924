import { createSosClient, issueToken, logout, type Role, type TokenResponse } from "@sos/contracts";
import { call } from "@/lib/api/call";
import { ApiProblem } from "@/lib/api/problem";
import { useSessionStore, type Session } from "./session-store";

/** Refresh this long before the access token expires, so a request never leaves with a dead token. */
const REFRESH_MARGIN_MS = 30_000;

const authClient = () =>
  createSosClient({ baseUrl: typeof window === "undefined" ? "http://127.0.0.1" : window.location.origin });

function toSession(token: TokenResponse, email: string, now = Date.now()): Session {
  return {
    accessToken: token.access_token,
    accessExpiresAt: now + token.expires_in * 1000,
    refreshToken: token.refresh_token,
    userId: token.user_id,
    organizationId: token.organization_id,
    role: token.role,
    email,
  };
}

export async function signIn(email: string, password: string, organization?: string): Promise<Role> {
  const token = await call(
    issueToken({
      client: authClient(),
      body: { grant_type: "password", username: email, password, ...(organization ? { organization } : {}) },
    }),
  );
  useSessionStore.getState().setSession(toSession(token, email));
  return token.role;
}

let refreshing: Promise<Session | null> | null = null;

async function refresh(current: Session): Promise<Session | null> {
  try {
    const token = await call(
      issueToken({ client: authClient(), body: { grant_type: "refresh_token", refresh_token: current.refreshToken } }),
    );
    const next = toSession(token, current.email);
    useSessionStore.getState().setSession(next);
    return next;
  } catch (error) {
    // Offline: keep the session so the console can show cached data and retry later.
    if (error instanceof ApiProblem && error.isNetwork) return current;
    useSessionStore.getState().endSession("expired");
    return null;
  }
}

/** The access token for the next request, refreshed first when it is about to expire (one refresh at a time). */
export async function accessToken(): Promise<string | undefined> {
  const session = useSessionStore.getState().session;
  if (!session) return undefined;
  if (session.accessExpiresAt - REFRESH_MARGIN_MS > Date.now()) return session.accessToken;
  refreshing ??= refresh(session).finally(() => {
    refreshing = null;
  });
  return (await refreshing)?.accessToken;
}

/** Called when the API answers 401 to a token we believed valid (role change, deactivation, revoked family). */
export function sessionRejected(): void {
  if (useSessionStore.getState().session) useSessionStore.getState().endSession("expired");
}

export async function signOut(): Promise<void> {
  const session = useSessionStore.getState().session;
  useSessionStore.getState().endSession("signed-out");
  if (!session) return;
  try {
    await call(logout({ client: authClient(), body: { refresh_token: session.refreshToken } }));
  } catch {
    // The refresh token expires on its own; signing out locally must not depend on the network.
  }
}
