/** An API failure as the console shows it: an RFC 9457 problem, or a network failure (status 0). */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly title: string;
  readonly detail: string | undefined;
  readonly requestId: string | undefined;

  constructor(init: { status: number; title: string; code?: string; detail?: string; requestId?: string }) {
    super(init.detail ?? init.title);
    this.name = "ApiProblem";
    this.status = init.status;
    this.title = init.title;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** A write that lost a race: the resource moved on (409) or the ETag we sent is stale (412). */
  get isConflict(): boolean {
    return this.status === 409 || this.status === 412;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function problemFrom(error: unknown, response: Response | undefined): ApiProblem {
  const body = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const status = response?.status ?? 0;
  const requestId = text(body.request_id) ?? response?.headers.get("x-request-id") ?? undefined;
  return new ApiProblem({
    status,
    title: text(body.title) ?? (status ? `Request failed (${status})` : "No connection to the server"),
    code: text(body.code) ?? text(body.error),
    detail: text(body.detail) ?? text(body.error_description) ?? (typeof error === "string" ? error : undefined),
    requestId,
  });
}

export const networkProblem = (): ApiProblem =>
  new ApiProblem({
    status: 0,
    title: "No connection to the server",
    detail: "Check your network. The console keeps showing the last data it had and retries on its own.",
  });

/** The sentence to show a person: what went wrong, and what to do next. */
export function describeProblem(problem: ApiProblem): string {
  if (problem.isNetwork) return "You are offline or the server is unreachable. Try again when the connection is back.";
  if (problem.status === 412)
    return "Someone changed this record while you were looking at it. The latest version is shown; check it and try again.";
  if (problem.status === 409) return `${problem.detail ?? problem.title} The latest state is shown; check it and try again.`;
  if (problem.status === 401) return "Your session has ended. Sign in again.";
  if (problem.status === 403) return "Your role is not allowed to do this. Ask an administrator if you need it.";
  if (problem.status === 503) return "The server is busy. Wait a moment and try again.";
  return problem.detail ?? problem.title;
}
