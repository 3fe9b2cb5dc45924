// Starts the real SOS backend the way `make run` does (embedded: SQLite, migrate, seed-demo, serve) on a fresh
// temporary data directory and a free port, serving a copy of the built console. Used by the Playwright global
// setup and by bench/ui-perf.mjs. Everything it starts is stopped, and the directory removed, by `stop()`.
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { closeSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoDir = path.resolve(frontendDir, "../..");
const backendDir = path.join(repoDir, "apps/backend");
/** The static export that `npm run build` writes. */
export const BUILT_CONSOLE_DIR = path.join(frontendDir, "out");

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

/** A port nobody listens on right now, on the loopback interface. */
async function freePort() {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function findUv() {
  const output = execFileSync("bash", [path.join(repoDir, "scripts/ensure-uv.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const uv = output.trim().split("\n").pop();
  if (!uv) throw new Error("scripts/ensure-uv.sh printed no uv path");
  return uv;
}

/** The embedded defaults of `make run`: nothing from the caller's shell may point the backend elsewhere. */
function backendEnv(overrides) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("SOS_")) delete env[name];
  return { ...env, ...overrides };
}

async function runStep(uv, args, env, logFile) {
  const log = openSync(logFile, "a");
  try {
    const code = await new Promise((resolve, reject) => {
      const child = spawn(uv, ["run", "--frozen", ...args], { cwd: backendDir, env, stdio: ["ignore", log, log] });
      child.on("error", reject);
      child.on("exit", (exitCode) => resolve(exitCode));
    });
    if (code !== 0) throw new Error(`\`sos ${args.slice(1).join(" ")}\` failed (exit ${code}):\n${await tail(logFile)}`);
  } finally {
    closeSync(log);
  }
}

async function tail(file, lines = 40) {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitUntilReady(baseURL, server, logFile) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the backend exited (${server.exitCode}):\n${await tail(logFile)}`);
    try {
      const response = await fetch(`${baseURL}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the backend was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${await tail(logFile)}`);
}

async function stopProcessGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name); // the whole group: uv and the server it runs
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * @param {{ webDir?: string, log?: (line: string) => void, settings?: Record<string, string> }} [options]
 */
export async function startBackend({ webDir = BUILT_CONSOLE_DIR, log = (line) => console.log(line), settings = {} } = {}) {
  try {
    await stat(path.join(webDir, "index.html"));
  } catch {
    throw new Error(
      `The web console is not built: ${path.join(webDir, "index.html")} is missing. ` +
        "Build it first with `npm run build` in apps/frontend (or `make web`).",
    );
  }
  const uv = findUv();
  const dataDir = await mkdtemp(path.join(tmpdir(), "sos-e2e-"));
  const logFile = path.join(dataDir, "backend.log");
  let server = null;
  // If this process ends without calling stop() (a crash, process.exit), the server and its data go with it.
  const cleanUpOnExit = () => {
    if (server && server.exitCode === null) {
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("exit", cleanUpOnExit);
  const stop = async () => {
    process.removeListener("exit", cleanUpOnExit);
    if (server) await stopProcessGroup(server);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // A private copy: a rebuild during the run cannot change the files under test, and tests may alter it.
    const servedDir = path.join(dataDir, "web");
    await cp(webDir, servedDir, { recursive: true });
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    const env = backendEnv({ ...settings, SOS_DATA_DIR: dataDir, SOS_PORT: String(port), SOS_WEB_DIR: servedDir });

    log(`backend: migrating and seeding the demo organization in ${dataDir}`);
    await runStep(uv, ["sos", "migrate"], env, logFile);
    await runStep(uv, ["sos", "seed-demo"], env, logFile);

    const out = openSync(logFile, "a");
    server = spawn(uv, ["run", "--frozen", "sos", "serve"], {
      cwd: backendDir,
      env,
      detached: true,
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    await waitUntilReady(baseURL, server, logFile);
    log(`backend: serving ${baseURL} (log: ${logFile})`);
    return { baseURL, port, processGroup: server.pid, dataDir, webDir: servedDir, logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
