import { expect, type Page } from "@playwright/test";

/** Placeholders the console shows while data loads (Skeleton / LoadingRows) or marks as busy. */
const LOADING = ".animate-pulse, [aria-busy='true']";

/**
 * Waits until a page shows what it will show: its heading is there, nothing is loading any more, and the web fonts
 * are in (so screenshots and contrast checks see the final layout).
 */
export async function settled(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.locator(LOADING)).toHaveCount(0, { timeout: 15_000 });
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
}

/** Resolves once the offline service worker controls the page (so its precache is complete). */
export async function controlledByServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(
    async () => {
      if (!("serviceWorker" in navigator)) return false;
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    },
    undefined,
    { timeout: 30_000 },
  );
}

/** Resolves once the React Query cache, with at least one query, has been written to localStorage. */
export async function queryCachePersisted(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const stored = localStorage.getItem("sos.query-cache");
          if (!stored) return 0;
          const parsed = JSON.parse(stored) as { clientState?: { queries?: unknown[] } };
          return parsed.clientState?.queries?.length ?? 0;
        }),
      { timeout: 10_000 },
    )
    .toBeGreaterThan(0);
}
