import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "@playwright/test";
import { controlledByServiceWorker, expect, loginAs, test } from "./fixtures";

type Marked = Window & { sosMarker?: boolean };

const waitingWorker = (page: Page) =>
  page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting != null);

test("a new version installs in the background and takes over at the next page change, not before", async ({
  page,
}) => {
  const webDir = process.env.SOS_E2E_WEB_DIR;
  if (!webDir) throw new Error("SOS_E2E_WEB_DIR is not set: run the specs through playwright.config.ts");
  await loginAs(page, "admin");
  await controlledByServiceWorker(page);
  await page.evaluate(() => {
    (window as Marked).sosMarker = true;
  });

  // Publish a "new release" on the served copy: any byte change to sw.js is a new service worker version.
  const workerFile = path.join(webDir, "sw.js");
  const original = await readFile(workerFile, "utf8");
  await writeFile(workerFile, `${original}\n// next release\n`);
  try {
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    await expect(page.getByRole("status").filter({ hasText: "A new version of the console is ready" })).toBeVisible();
    expect(await waitingWorker(page)).toBe(true);
    expect(await page.evaluate(() => (window as Marked).sosMarker)).toBe(true);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();

    await page.waitForFunction(() => (window as Marked).sosMarker === undefined);
    await expect(page).toHaveURL((url) => url.pathname === "/admin/users/");
    await controlledByServiceWorker(page);
    expect(await waitingWorker(page)).toBe(false);
  } finally {
    await writeFile(workerFile, original);
  }
});
