import { call } from "@/lib/api/call";
import { ApiProblem } from "@/lib/api/problem";

/** Messages by form field name ("timezone", "parent_id"), from the API or from the request validator. */
export type FieldErrors = Partial<Record<string, string>>;

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

const fieldErrorsByProblem = new WeakMap<ApiProblem, FieldErrors>();

/** The per-field messages a failed form request carried; empty when it carried none. */
export function fieldErrorsOf(error: unknown): FieldErrors {
  return error instanceof ApiProblem ? (fieldErrorsByProblem.get(error) ?? {}) : {};
}

function sentence(message: string): string {
  const text = message.replace(/^Value error, /, "").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** RFC 9457 `errors` ([{pointer: "#/timezone", message}]) and a 403's `fields` list, by top-level field. */
function fromProblemBody(body: unknown): FieldErrors {
  if (typeof body !== "object" || body === null) return {};
  const record = body as Record<string, unknown>;
  const found: FieldErrors = {};
  if (Array.isArray(record.errors)) {
    for (const item of record.errors as unknown[]) {
      if (typeof item !== "object" || item === null) continue;
      const { pointer, message } = item as { pointer?: unknown; message?: unknown };
      if (typeof pointer !== "string" || typeof message !== "string") continue;
      const field = pointer.replace(/^#\/?/, "").split("/")[0];
      if (field && !found[field]) found[field] = sentence(message);
    }
  }
  if (Array.isArray(record.fields) && typeof record.detail === "string") {
    for (const field of record.fields) if (typeof field === "string") found[field] ??= record.detail;
  }
  return found;
}

/** The generated SDK validates a body before sending it; a refusal there reads like the server's 422. */
function fromRequestValidator(error: unknown): ApiProblem | null {
  if (!(error instanceof Error) || error.name !== "ZodError") return null;
  const issues = (error as Error & { issues?: { path?: PropertyKey[]; message?: string }[] }).issues ?? [];
  const problem = new ApiProblem({ status: 422, title: "Invalid request", detail: "Some fields are not valid." });
  const found: FieldErrors = {};
  for (const issue of issues) {
    // The validator checks {body, headers, path, query}; only body fields belong to a form.
    const [part, field] = issue.path ?? [];
    if (part === "body" && typeof field === "string" && issue.message && !found[field])
      found[field] = sentence(issue.message);
  }
  fieldErrorsByProblem.set(problem, found);
  return problem;
}

/** Like `call`, but a refusal keeps its per-field messages for `fieldErrorsOf` (ApiProblem drops them). */
export async function callWithFieldErrors<T>(request: Promise<SdkResult<T>>): Promise<T> {
  let body: unknown;
  try {
    return await call(
      request.then((result) => {
        body = result.error;
        return result;
      }),
    );
  } catch (error) {
    if (error instanceof ApiProblem) {
      fieldErrorsByProblem.set(error, fromProblemBody(body));
      throw error;
    }
    throw fromRequestValidator(error) ?? error;
  }
}

/** A server refusal with a stable code that belongs to one field (a duplicate name, a team cycle). */
export function withCodeOnField(error: unknown, codes: Record<string, string>): FieldErrors {
  const found = { ...fieldErrorsOf(error) };
  if (error instanceof ApiProblem && error.code) {
    const field = codes[error.code];
    if (field) found[field] ??= error.detail ?? error.title;
  }
  return found;
}
