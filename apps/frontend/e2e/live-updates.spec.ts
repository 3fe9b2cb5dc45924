import type { APIRequestContext, Page, Request } from "@playwright/test";
import { apiToken, expect, loginAs, openPage, test } from "./fixtures";

// The console's real-time stream against the real backend: changes reach an open page without a reload or polling,
// the header says whether updates are live, and losing the stream falls back to polling until it comes back.
// The offline service worker is kept out of these tests: they are about the API connection, not the app shell.
test.use({ serviceWorkers: "block" });

const STREAM = "**/api/v1/stream";
const POLL_ALERTS_MS = 5_000;

const indicator = (page: Page, label: "Live" | "Stale" | "Offline") =>
  page.getByRole("status", { name: `Real-time updates: ${label}` });

/** Records every GET of the alert list the page makes (polls and refetches alike), with when it left. */
function alertListRequests(page: Page): number[] {
  const sent: number[] = [];
  page.on("request", (request: Request) => {
    const url = new URL(request.url());
    if (request.method() === "GET" && url.pathname === "/api/v1/alerts") sent.push(Date.now());
  });
  return sent;
}

async function raiseSos(request: APIRequestContext, note: string): Promise<number> {
  const token = await apiToken(request, "reporter");
  const response = await request.post("/api/v1/alerts", {
    headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": crypto.randomUUID() },
    data: { category: "fire", severity: "critical", note, location: { lat: 52.5208, lon: 13.4095, accuracy_m: 12 } },
  });
  expect(response.status(), await response.text()).toBe(201);
  return Date.now();
}

test.describe("live updates", () => {
  test("a new SOS appears on the coordinator's alert list within seconds, without a reload or polling", async ({
    page,
    request,
  }) => {
    const listRequests = alertListRequests(page);
    await loginAs(page, "coordinator");
    await expect(indicator(page, "Live")).toBeVisible();
    await page.evaluate(() => {
      (window as unknown as { sosNotReloaded: boolean }).sosNotReloaded = true;
    });

    // Longer than the polling interval: while live, nothing asks for the list again on its own.
    const quietFrom = Date.now();
    await page.waitForTimeout(POLL_ALERTS_MS + 1_500);
    expect(listRequests.filter((at) => at >= quietFrom)).toEqual([]);

    const note = `Smoke from the third floor, ${Date.now().toString(36)}`;
    const raisedAt = await raiseSos(request, note);
    await expect(page.getByRole("listitem").filter({ hasText: note })).toBeVisible({ timeout: 3_000 });
    test.info().annotations.push({ type: "SOS to alert list", description: `${Date.now() - raisedAt} ms` });

    await expect(indicator(page, "Live")).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { sosNotReloaded?: boolean }).sosNotReloaded)).toBe(true);
  });

  test("a responder's new position moves their marker on the coordinator's map", async ({ page, request }) => {
    await loginAs(page, "coordinator");
    await openPage(page, "/responders/", "Responders");
    await expect(indicator(page, "Live")).toBeVisible();
    const mapAsText = page.locator("details").filter({ hasText: "Positions on this map as a list" });
    await mapAsText.locator("summary").click();
    const responder = mapAsText.getByRole("listitem").filter({ hasText: "Rafael Responder" });
    await expect(responder).toBeVisible();

    const token = await apiToken(request, "responder");
    const lat = 52.5 + Math.random() / 100;
    const response = await request.post("/api/v1/responders/me/locations", {
      headers: { Authorization: `Bearer ${token}` },
      data: { lat, lon: 13.4321, accuracy_m: 7 },
    });
    expect(response.status(), await response.text()).toBeLessThan(300);

    await expect(responder).toContainText(`${lat.toFixed(4)}, 13.4321 (±7 m)`, { timeout: 3_000 });
    await expect(responder).toContainText("Last seen just now");
  });

  test("the indicator says offline while the stream is unreachable, the console polls, and it recovers", async ({
    page,
  }) => {
    await page.route(STREAM, (route) => route.abort("connectionrefused"));
    const listRequests = alertListRequests(page);
    await loginAs(page, "coordinator");
    await expect(indicator(page, "Offline")).toBeVisible();
    await expect(indicator(page, "Offline")).toContainText(/refreshes every few seconds/);

    // Polling stands in for the stream.
    const offlineFrom = Date.now();
    await expect
      .poll(() => listRequests.filter((at) => at >= offlineFrom).length, { timeout: 12_000 })
      .toBeGreaterThan(0);

    await page.unroute(STREAM);
    // The next retry comes after a jittered backoff of at most a few seconds at this point.
    await expect(indicator(page, "Live")).toBeVisible({ timeout: 20_000 });
  });

  test("the indicator says stale while the server is silent and live again once it answers", async ({ page }) => {
    await loginAs(page, "coordinator");
    await expect(indicator(page, "Live")).toBeVisible();
    // Frozen, the server keeps its connections open but sends nothing: no heartbeat, as on a hung host or a dead link.
    const backend = Number(process.env.SOS_E2E_BACKEND_PROCESS_GROUP);
    process.kill(-backend, "SIGSTOP");
    try {
      // Two heartbeats (5 s each in the e2e backend) of silence.
      await expect(indicator(page, "Stale")).toBeVisible({ timeout: 15_000 });
    } finally {
      process.kill(-backend, "SIGCONT");
    }
    await expect(indicator(page, "Live")).toBeVisible({ timeout: 20_000 });
  });

  test("the indicator goes offline with the network and live again when it is back", async ({ page, context }) => {
    await loginAs(page, "coordinator");
    await expect(indicator(page, "Live")).toBeVisible();
    await context.setOffline(true);
    await expect(indicator(page, "Offline")).toBeVisible();
    await context.setOffline(false);
    await expect(indicator(page, "Live")).toBeVisible();
  });
});
