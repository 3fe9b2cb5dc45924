import { accessToken, signIn, signOut } from "./session";
import { useSessionStore } from "./session-store";

const TOKEN = {
  token_type: "bearer",
  expires_in: 300,
  refresh_expires_in: 2_592_000,
  user_id: "0193a000-0000-7000-8000-000000000002",
  organization_id: "0193a000-0000-7000-8000-000000000001",
  role: "coordinator",
};

function tokenResponse(access: string, refresh: string): Response {
  return Response.json({ ...TOKEN, access_token: access, refresh_token: refresh });
}

function formOf(init: RequestInit | undefined, input: RequestInfo | URL): Promise<URLSearchParams> {
  const body = input instanceof Request ? input.text() : Promise.resolve(String(init?.body ?? ""));
  return body.then((text) => new URLSearchParams(text));
}

beforeEach(() => useSessionStore.setState({ session: null, endedBecause: null }));

test("signing in keeps the session and returns the role", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => tokenResponse("access-1", "refresh-1")));
  await expect(signIn("coordinator@demo.sos.test", "sos-demo-2026!")).resolves.toBe("coordinator");
  expect(useSessionStore.getState().session).toMatchObject({ accessToken: "access-1", role: "coordinator" });
});

test("a fresh access token is used without a refresh", async () => {
  const fetchMock = vi.fn(async () => tokenResponse("access-1", "refresh-1"));
  vi.stubGlobal("fetch", fetchMock);
  await signIn("coordinator@demo.sos.test", "sos-demo-2026!");
  await expect(accessToken()).resolves.toBe("access-1");
  expect(fetchMock).toHaveBeenCalledTimes(1);
});

test("an access token about to expire is refreshed once for concurrent requests", async () => {
  const grants: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      grants.push((await formOf(init, input)).get("grant_type") ?? "");
      return grants.length === 1 ? tokenResponse("access-1", "refresh-1") : tokenResponse("access-2", "refresh-2");
    }),
  );
  await signIn("coordinator@demo.sos.test", "sos-demo-2026!");
  const session = useSessionStore.getState().session!;
  useSessionStore.setState({ session: { ...session, accessExpiresAt: Date.now() + 10_000 } });
  const tokens = await Promise.all([accessToken(), accessToken(), accessToken()]);
  expect(tokens).toEqual(["access-2", "access-2", "access-2"]);
  expect(grants).toEqual(["password", "refresh_token"]);
});

test("a refused refresh ends the session as expired", async () => {
  vi.stubGlobal(
    "fetch",
    vi
      .fn()
      .mockResolvedValueOnce(tokenResponse("access-1", "refresh-1"))
      .mockResolvedValueOnce(Response.json({ error: "invalid_grant" }, { status: 400 })),
  );
  await signIn("coordinator@demo.sos.test", "sos-demo-2026!");
  const session = useSessionStore.getState().session!;
  useSessionStore.setState({ session: { ...session, accessExpiresAt: Date.now() } });
  await expect(accessToken()).resolves.toBeUndefined();
  expect(useSessionStore.getState()).toMatchObject({ session: null, endedBecause: "expired" });
});

test("a refresh that cannot reach the server keeps the session for offline use", async () => {
  vi.stubGlobal(
    "fetch",
    vi
      .fn()
      .mockResolvedValueOnce(tokenResponse("access-1", "refresh-1"))
      .mockRejectedValueOnce(new TypeError("Failed to fetch")),
  );
  await signIn("coordinator@demo.sos.test", "sos-demo-2026!");
  const session = useSessionStore.getState().session!;
  useSessionStore.setState({ session: { ...session, accessExpiresAt: Date.now() } });
  await accessToken();
  expect(useSessionStore.getState().session?.refreshToken).toBe("refresh-1");
});

test("signing out ends the session even when the server is unreachable", async () => {
  vi.stubGlobal(
    "fetch",
    vi
      .fn()
      .mockResolvedValueOnce(tokenResponse("access-1", "refresh-1"))
      .mockRejectedValueOnce(new TypeError("Failed to fetch")),
  );
  await signIn("coordinator@demo.sos.test", "sos-demo-2026!");
  await signOut();
  expect(useSessionStore.getState()).toMatchObject({ session: null, endedBecause: "signed-out" });
});
