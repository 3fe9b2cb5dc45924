import { defineConfig, devices } from "@playwright/test";
import chromium from "./scripts/chromium.json";

/** Debian's Chromium (scripts/install-chromium.sh) and its flags, shared with bench/ui-perf.mjs. */
export const CHROMIUM_PATH = process.env.SOS_CHROMIUM ?? chromium.path;
export const CHROMIUM_ARGS = chromium.args;

const ci = Boolean(process.env.CI);

// The global setup starts the real backend (fresh demo data, free port) and exports its address as
// SOS_E2E_BASE_URL before the workers start; the workers read this file again and pick it up.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  workers: 1,
  retries: 0,
  fullyParallel: false,
  forbidOnly: ci,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: ci ? [["list"]] : [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: process.env.SOS_E2E_BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
    locale: "en-GB",
    timezoneId: "Europe/Berlin",
    serviceWorkers: "allow",
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  projects: [
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 } },
    },
  ],
});
