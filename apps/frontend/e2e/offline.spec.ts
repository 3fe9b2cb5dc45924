import { controlledByServiceWorker, expect, loginAs, queryCachePersisted, settled, test } from "./fixtures";

test.describe("offline", () => {
  test("a page seen once online reopens offline with its last data, marked stale", async ({ page, context }) => {
    await loginAs(page, "coordinator");
    await settled(page);
    await controlledByServiceWorker(page);
    await queryCachePersisted(page);

    await context.setOffline(true);
    await page.reload();

    await expect(page.getByRole("status").filter({ hasText: "You are offline" })).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page.getByText(/^Stale: last updated/).first()).toBeVisible();
  });

  test("a console page not opened before still opens offline from the installed app shell", async ({
    page,
    context,
  }) => {
    await loginAs(page, "admin");
    await controlledByServiceWorker(page);

    await context.setOffline(true);
    await page.goto("/admin/users/");

    await expect(page.getByRole("status").filter({ hasText: "You are offline" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" })).toHaveAttribute(
      "aria-current",
      "page",
    );
  });

  test("API responses are never stored by the service worker", async ({ page }) => {
    await loginAs(page, "coordinator");
    await settled(page);
    await controlledByServiceWorker(page);

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    expect(cached.length).toBeGreaterThan(0);
    expect(cached.filter((path) => path.startsWith("/api/"))).toEqual([]);
  });

  test("coming back online clears the offline banner without reloading", async ({ page, context }) => {
    await loginAs(page, "coordinator");
    await settled(page);
    await controlledByServiceWorker(page);
    await page.evaluate(() => {
      (window as unknown as { sosMarker: boolean }).sosMarker = true;
    });

    await context.setOffline(true);
    await expect(page.getByRole("status").filter({ hasText: "You are offline" })).toBeVisible();
    await context.setOffline(false);

    await expect(page.getByRole("status").filter({ hasText: "You are offline" })).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { sosMarker?: boolean }).sosMarker)).toBe(true);
  });
});
