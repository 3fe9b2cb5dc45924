import { createSosClient } from "@sos/contracts";
import { accessToken, sessionRejected } from "@/lib/auth/session";

/** The one API client of the console: same origin, bearer token from the session (refreshed on demand). */
export const api = createSosClient({
  baseUrl: typeof window === "undefined" ? "http://127.0.0.1" : window.location.origin,
  getToken: accessToken,
});

api.interceptors.response.use((response) => {
  if (response.status === 401) sessionRejected();
  return response;
});
