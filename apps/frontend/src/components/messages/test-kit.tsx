/**
 * Test helpers for the message, responder and reporter screens: a signed-in session, a fresh query client and a fake
 * API at the fetch boundary that answers with realistic JSON and records what was asked.
 */
import type { AlertRead, MessageRead, ResponderRead, Role } from "@sos/contracts";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { act, render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import { useSessionStore } from "@/lib/auth/session-store";
import { makeQueryClient } from "@/lib/query-client";

export const ORG_ID = "01a21464-0000-7000-8000-000000000001";
export const ME = "01a21464-0000-7000-8000-0000000000a1";
export const OTHER = "01a21464-0000-7000-8000-0000000000b2";

export function signInAs(role: Role, userId = ME): void {
  useSessionStore.getState().setSession({
    accessToken: "test-access-token",
    accessExpiresAt: Date.now() + 60 * 60 * 1000,
    refreshToken: "test-refresh-token",
    userId,
    organizationId: ORG_ID,
    role,
    email: `${role}@demo.sos.test`,
  });
}

export function renderWithClient(ui: ReactElement): { client: QueryClient } & ReturnType<typeof render> {
  const client = makeQueryClient();
  client.setDefaultOptions({
    queries: { ...client.getDefaultOptions().queries, retry: false, refetchInterval: false, gcTime: Infinity },
    mutations: client.getDefaultOptions().mutations,
  });
  return { client, ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}

/** Lets pending promises and request bodies settle, also while Date and the timers are faked. */
export const settle = () =>
  act(async () => {
    for (let round = 0; round < 10; round++) await new Promise((resolve) => setImmediate(resolve));
  });

export interface Recorded {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Reply = { status?: number; json?: unknown; headers?: Record<string, string> } | "network-error";
type Handler = (request: Recorded) => Reply | Promise<Reply>;

export const json = (body: unknown, status = 200): Reply => ({ status, json: body });

export const problem = (status: number, detail: string, code = "error"): Reply => ({
  status,
  json: { type: `urn:sos:problem:${code}`, title: detail, status, detail, code },
  headers: { "content-type": "application/problem+json" },
});

/**
 * Replaces fetch with `routes`, keyed "METHOD /api/v1/path" (path without query). A route's handler may answer
 * "network-error" to make fetch fail as it does offline. Unknown routes answer 404, so a test sees what it forgot.
 */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: Recorded[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const recorded: Recorded = {
      method: request.method,
      path: url.pathname,
      search: url.searchParams,
      headers: request.headers,
      body: undefined,
    };
    // Recorded before the body is read, so a test counts a request from the moment it leaves.
    calls.push(recorded);
    const text = request.method === "GET" ? "" : await request.text();
    recorded.body = text ? JSON.parse(text) : undefined;
    const handler = routes[`${request.method} ${url.pathname}`];
    const reply: Reply = handler
      ? await handler(recorded)
      : problem(404, `No fake for ${request.method} ${url.pathname}`);
    if (reply === "network-error") throw new TypeError("Failed to fetch");
    return new Response(reply.json === undefined ? null : JSON.stringify(reply.json), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    calls,
    fetchMock,
    /** The recorded requests for one route. */
    to: (method: string, path: string) => calls.filter((call) => call.method === method && call.path === path),
  };
}

const T0 = "2026-11-25T10:00:00Z";

export function makeMessage(overrides: Partial<MessageRead> = {}): MessageRead {
  return {
    id: "01a21464-1000-7000-8000-000000000001",
    alert_id: "01a21464-2000-7000-8000-000000000001",
    incident_id: null,
    author_id: OTHER,
    body: "Ambulance is two minutes out.",
    created_at: T0,
    ...overrides,
  };
}

export function makeAlert(overrides: Partial<AlertRead> = {}): AlertRead {
  return {
    id: "01a21464-2000-7000-8000-000000000001",
    organization_id: ORG_ID,
    reporter_id: OTHER,
    incident_id: null,
    status: "triggered",
    severity: "critical",
    category: "medical",
    source: "web",
    note: null,
    lat: 52.52,
    lon: 13.405,
    accuracy_m: 12,
    located_at: T0,
    created_at: T0,
    updated_at: T0,
    acknowledged_at: null,
    acknowledged_by_id: null,
    dispatched_at: null,
    dispatched_by_id: null,
    on_scene_at: null,
    resolved_at: null,
    resolved_by_id: null,
    cancelled_at: null,
    cancelled_by_id: null,
    reopened_at: null,
    version: 1,
    allowed_actions: [],
    ...overrides,
  };
}

export function makeResponder(overrides: Partial<ResponderRead> = {}): ResponderRead {
  return {
    user_id: ME,
    organization_id: ORG_ID,
    email: "responder@demo.sos.test",
    full_name: "Rafael Responder",
    phone: null,
    availability: "available",
    availability_changed_at: T0,
    last_location: null,
    skills: ["first_aid"],
    team_ids: [],
    updated_at: T0,
    version: 3,
    ...overrides,
  };
}

/** A controllable navigator.geolocation: tests push positions and errors through it. */
export function fakeGeolocation() {
  let watchSuccess: PositionCallback | null = null;
  let watchError: PositionErrorCallback | null = null;
  const pendingCurrent: Array<{ success: PositionCallback; error: PositionErrorCallback | null | undefined }> = [];
  const geolocation = {
    getCurrentPosition: vi.fn((success: PositionCallback, error?: PositionErrorCallback | null) => {
      pendingCurrent.push({ success, error });
    }),
    watchPosition: vi.fn((success: PositionCallback, error?: PositionErrorCallback | null) => {
      watchSuccess = success;
      watchError = error ?? null;
      return 7;
    }),
    clearWatch: vi.fn(() => {
      watchSuccess = null;
      watchError = null;
    }),
  };
  Object.defineProperty(navigator, "geolocation", { value: geolocation, configurable: true });

  const position = (lat: number, lon: number, accuracy = 8): GeolocationPosition =>
    ({
      coords: { latitude: lat, longitude: lon, accuracy },
      timestamp: Date.now(),
    }) as GeolocationPosition;
  const positionError = (code: 1 | 2 | 3): GeolocationPositionError =>
    ({ code, message: "", PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3 }) as GeolocationPositionError;

  return {
    geolocation,
    /** Answers every waiting getCurrentPosition with this position. */
    resolveCurrent(lat: number, lon: number) {
      for (const call of pendingCurrent.splice(0)) call.success(position(lat, lon));
    },
    failCurrent(code: 1 | 2 | 3) {
      for (const call of pendingCurrent.splice(0)) call.error?.(positionError(code));
    },
    get currentRequests() {
      return pendingCurrent.length;
    },
    move(lat: number, lon: number) {
      watchSuccess?.(position(lat, lon));
    },
    failWatch(code: 1 | 2 | 3) {
      watchError?.(positionError(code));
    },
    get watching() {
      return watchSuccess !== null;
    },
  };
}
