import type { FullConfig } from "@playwright/test";

/** Short enough that a silent stream turns stale within a test's time (the console reads it from the server). */
const HEARTBEAT_SECONDS = 5;

/**
 * Starts the real backend with fresh demo data for the whole run; the returned function is Playwright's global
 * teardown, which stops it and removes its data directory. It serves apps/frontend/out, or the build in
 * SOS_E2E_CONSOLE_DIR when set.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const { startBackend } = await import("../scripts/sos-backend.mjs");
  const backend = await startBackend({
    webDir: process.env.SOS_E2E_CONSOLE_DIR || undefined,
    settings: { SOS_STREAM_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS) },
  });
  process.env.SOS_E2E_BASE_URL = backend.baseURL;
  process.env.SOS_E2E_BACKEND_PROCESS_GROUP = String(backend.processGroup);
  process.env.SOS_E2E_WEB_DIR = backend.webDir;
  return async () => {
    await backend.stop();
  };
}
