import { networkProblem, problemFrom } from "./problem";

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/** Awaits a generated SDK call and returns its data, or throws an ApiProblem. */
export async function call<T>(request: Promise<SdkResult<T>>): Promise<T> {
  let result: SdkResult<T>;
  try {
    result = await request;
  } catch (error) {
    if (error instanceof TypeError) throw networkProblem();
    throw error;
  }
  if (result.error !== undefined || !result.response?.ok) throw problemFrom(result.error, result.response);
  return result.data as T;
}

/** The If-Match header for a resource we hold at `version` (the API's strong ETag is the quoted version). */
export const ifMatch = (version: number): { "If-Match": string } => ({ "If-Match": `"${version}"` });
