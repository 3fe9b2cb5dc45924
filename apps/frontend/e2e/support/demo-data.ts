import type { APIRequestContext } from "@playwright/test";
import { apiGet } from "./auth";

interface Page<T> {
  items: T[];
}

/** The newest alert of the demo organization (the inbox's first row with the default sort). */
export async function firstAlertId(request: APIRequestContext): Promise<string> {
  const page = await apiGet<Page<{ id: string }>>(request, "coordinator", "/api/v1/alerts?limit=1");
  const first = page.items[0];
  if (!first) throw new Error("the demo organization has no alerts: did `sos seed-demo` run?");
  return first.id;
}

export async function firstIncidentId(request: APIRequestContext): Promise<string> {
  const page = await apiGet<Page<{ id: string }>>(request, "coordinator", "/api/v1/incidents?limit=1");
  const first = page.items[0];
  if (!first) throw new Error("the demo organization has no incidents: did `sos seed-demo` run?");
  return first.id;
}
