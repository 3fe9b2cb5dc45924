/**
 * Test helpers for the admin screens: a fake API at the fetch boundary that answers with realistic JSON, a signed-in
 * session, and a render with a fresh query client and the toaster.
 */
import type { MemberRead, OrganizationRead, Role, TeamMemberRead, TeamRead } from "@sos/contracts";
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import { Toaster } from "@/components/ui/toaster";
import { useSessionStore } from "@/lib/auth/session-store";
import { makeQueryClient } from "@/lib/query-client";
import { useToasts } from "@/lib/toast";

export const ORGANIZATION_ID = "01a21464-82ca-7aaa-a21b-a2c69cd98f11";
const STAMP = "2026-11-25T20:27:41.161899Z";

export function member(overrides: Partial<MemberRead> & Pick<MemberRead, "id" | "full_name" | "email">): MemberRead {
  return {
    organization_id: ORGANIZATION_ID,
    phone: null,
    role: "responder",
    status: "active",
    invitation_expires_at: null,
    deactivated_at: null,
    last_login_at: null,
    created_at: STAMP,
    updated_at: STAMP,
    version: 1,
    ...overrides,
  };
}

export function team(overrides: Partial<TeamRead> & Pick<TeamRead, "id" | "name">): TeamRead {
  return {
    organization_id: ORGANIZATION_ID,
    parent_id: null,
    description: null,
    created_at: STAMP,
    updated_at: STAMP,
    version: 1,
    ...overrides,
  };
}

export function teamMember(
  overrides: Partial<TeamMemberRead> & Pick<TeamMemberRead, "team_id" | "user_id" | "full_name" | "email">,
): TeamMemberRead {
  return { role: "member", added_at: STAMP, ...overrides };
}

export function organization(overrides: Partial<OrganizationRead> = {}): OrganizationRead {
  return {
    id: ORGANIZATION_ID,
    name: "Demo Response Berlin",
    slug: "demo",
    timezone: "Europe/Berlin",
    created_at: STAMP,
    updated_at: STAMP,
    version: 1,
    ...overrides,
  };
}

export function signInAs(userId: string, role: Role = "admin"): void {
  useSessionStore.getState().setSession({
    accessToken: "test-access-token",
    accessExpiresAt: Date.now() + 60 * 60 * 1000,
    refreshToken: "test-refresh-token",
    userId,
    organizationId: ORGANIZATION_ID,
    role,
    email: "admin@demo.sos.test",
  });
}

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });

/** An RFC 9457 problem as the API renders it. */
export const problem = (status: number, code: string, detail: string, extensions: object = {}): Response =>
  json(
    {
      type: `urn:sos:problem:${code}`,
      title: status === 412 ? "Precondition failed" : status === 422 ? "Invalid request" : "Conflict",
      status,
      detail,
      code,
      request_id: "test-request",
      ...extensions,
    },
    status,
  );

type Handler = (request: Request, params: Record<string, string>) => Response | Promise<Response>;

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.replace(/\/$/, "").split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index] ?? "";
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}

/** Stubs `fetch` with routes such as "PATCH /api/v1/users/:id"; records every request it receives. */
export function fakeApi(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      requests.push(request.clone());
      const url = new URL(request.url);
      for (const [route, handler] of Object.entries(routes)) {
        const [method, pattern = ""] = route.split(" ");
        const params = matchPath(pattern, url.pathname);
        if (method === request.method && params) return handler(request, params);
      }
      return problem(404, "route_not_found", `No fake for ${request.method} ${url.pathname}`);
    }),
  );
  return {
    requests,
    /** The requests made with this method to paths matching the pattern. */
    sent: (method: string, pattern: string) =>
      requests.filter((request) => request.method === method && matchPath(pattern, new URL(request.url).pathname)),
  };
}

/** A response that arrives only when the test says so. */
export function deferred() {
  let resolve: (response: Response) => void = () => undefined;
  const promise = new Promise<Response>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Renders with a fresh query client and an empty toaster (toasts live in a module-wide store). */
export function renderWithClient(ui: ReactElement) {
  useToasts.setState({ toasts: [] });
  const client = makeQueryClient();
  client.setDefaultOptions({
    ...client.getDefaultOptions(),
    queries: { ...client.getDefaultOptions().queries, retry: false },
  });
  return {
    client,
    ...render(
      <QueryClientProvider client={client}>
        {ui}
        <Toaster />
      </QueryClientProvider>,
    ),
  };
}
