import type { FullConfig } from "@playwright/test";

/**
 * Starts the real backend with fresh demo data for the whole run; the returned function is Playwright's global
 * teardown, which stops it and removes its data directory. It serves apps/frontend/out, or the build in
 * SOS_E2E_CONSOLE_DIR when set.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const { startBackend } = await import("../scripts/sos-backend.mjs");
  const backend = await startBackend({ webDir: process.env.SOS_E2E_CONSOLE_DIR || undefined });
  process.env.SOS_E2E_BASE_URL = backend.baseURL;
  process.env.SOS_E2E_WEB_DIR = backend.webDir;
  return async () => {
    await backend.stop();
  };
}
