import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { DEMO_PASSWORD, emailFor, HOME, type Role } from "./accounts";

/** Signs in through the real sign-in form and waits for the role's home page. */
export async function loginAs(page: Page, role: Role): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Email").fill(emailFor(role));
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL((url) => url.pathname === HOME[role]);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/login/");
}

/** An access token for direct API calls in a test's setup (finding ids, preparing data), never for assertions. */
export async function apiToken(request: APIRequestContext, role: Role): Promise<string> {
  const response = await request.post("/api/v1/auth/token", {
    form: { grant_type: "password", username: emailFor(role), password: DEMO_PASSWORD },
  });
  expect(response.status(), await response.text()).toBe(200);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

export async function apiGet<T>(request: APIRequestContext, role: Role, path: string): Promise<T> {
  const response = await request.get(path, { headers: { Authorization: `Bearer ${await apiToken(request, role)}` } });
  expect(response.status(), `GET ${path}: ${await response.text()}`).toBe(200);
  return (await response.json()) as T;
}
