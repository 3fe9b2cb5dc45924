// UI performance benchmark of the web console: how soon the coordinator's inbox is useful on a slow phone, and how
// fast common actions answer. Not a test: it measures and writes the numbers into docs/benchmarks.md.
//
//   cd apps/frontend && npm run build && node bench/ui-perf.mjs            (or: npm run bench:ui)
//
// Settings (environment):
//   UI_BENCH_RUNS=5          runs; every run uses a fresh browser context (cold HTTP cache, no service worker,
//                            no persisted data)
//   UI_BENCH_CPU_SLOWDOWN=4  Chrome DevTools CPU throttling rate
//   UI_BENCH_WRITE_DOC=1     0 prints the table only
//   SOS_E2E_CONSOLE_DIR      a console build other than apps/frontend/out (as for the end-to-end tests)
//
// The real backend (embedded SQLite, fresh demo data) is started and stopped by scripts/sos-backend.mjs, as for the
// end-to-end tests; the browser is Debian's Chromium. Times are measured inside the page with performance.now():
// "first useful screen" from navigation start, interactions from the input event's timestamp, both until just after
// the frame that shows the result has been painted (a requestAnimationFrame callback, then a task). The Event Timing
// API's duration for the same input (what INP reports: input until the next paint, whatever it shows) is kept too.
import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startBackend } from "../scripts/sos-backend.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumSettings = JSON.parse(readFileSync(path.join(here, "../scripts/chromium.json"), "utf8"));
const CHROMIUM_PATH = process.env.SOS_CHROMIUM ?? chromiumSettings.path;
const CHROMIUM_ARGS = chromiumSettings.args;

const RUNS = Number(process.env.UI_BENCH_RUNS ?? 5);
const CPU_SLOWDOWN = Number(process.env.UI_BENCH_CPU_SLOWDOWN ?? 4);
const WRITE_DOC = process.env.UI_BENCH_WRITE_DOC !== "0";
const PASSWORD = "sos-demo-2026!";
const DOC = path.resolve(here, "../../../docs/benchmarks.md");
const START = "<!-- ui-bench:start -->";
const END = "<!-- ui-bench:end -->";

/** The bars the console is held to. */
const BAR = { firstUsefulMs: 2500, interactionMs: 100 };

const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  locale: "en-GB",
  timezoneId: "Europe/Berlin",
};

// What the benchmark looks for on the screens. In-page checks take CSS selectors; inputs use Playwright locators.
const SCREEN = {
  /** An alert row of the inbox: the whole row is one link to the alert. */
  alertRow: 'main a[href*="/alerts/view/?id="]',
  /** The inbox list, whose rows change when a filter changes. */
  inboxList: 'main section[aria-label="Alerts"]',
  /** The first status filter chip (a label around a visually hidden checkbox), tapped as a person would. */
  statusFilter: (page) => page.getByRole("region", { name: "Filters" }).locator("label").first(),
  /** The alert page's header card: heading, severity and status badges, status actions. */
  alertHeader: 'main [aria-labelledby="alert-heading"]',
  acknowledge: (page) =>
    page.getByRole("group", { name: "Change the alert's status" }).getByRole("button", { name: /^Acknowledge/ }),
  acknowledgedBadge: "Status: Acknowledged",
  messageBox: (page) => page.getByLabel("Write a message"),
  send: (page) => page.getByRole("button", { name: "Send", exact: true }),
  messageLog: 'main [role="log"]',
};

const METRICS = [
  { key: "signIn", label: "Sign in → inbox useful (click on Sign in until the first alert row is shown)", bar: "first" },
  { key: "coldInbox", label: "First useful screen: inbox, cold cache (navigation start until the first alert row is shown)", bar: "first" },
  { key: "filter", label: "Filter change (status filter click until the list has changed)", bar: "interaction" },
  { key: "openAlert", label: "Open an alert from the inbox (row click until its page shows the alert)", bar: "interaction" },
  { key: "acknowledge", label: "Acknowledge (click until the status badge says Acknowledged)", bar: "interaction" },
  { key: "message", label: "Send a message (click on Send until it is in the thread)", bar: "interaction" },
];

/** Installed in every page: input timestamps, Event Timing entries, and "painted once this is true". */
function pageProbe() {
  const state = { armed: false, inputAt: null, events: [], fcp: null };
  const onInput = (event) => {
    if (state.armed && state.inputAt === null) state.inputAt = event.timeStamp;
  };
  addEventListener("pointerdown", onInput, { capture: true });
  addEventListener("keydown", onInput, { capture: true });
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.interactionId) state.events.push({ name: entry.name, start: entry.startTime, duration: entry.duration });
      }
    }).observe({ type: "event", durationThreshold: 16, buffered: true });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name === "first-contentful-paint") state.fcp = entry.startTime;
    }).observe({ type: "paint", buffered: true });
  } catch {
    // Older browsers: the Event Timing column stays empty.
  }
  const shown = (element) => {
    if (!element) return false;
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || style.visibility !== "visible" || style.pointerEvents === "none") {
      return false;
    }
    if (element.closest("[aria-busy='true'], [inert]")) return false;
    const x = box.left + box.width / 2;
    const y = box.top + Math.min(box.height / 2, 20);
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return true; // below the fold: shown once scrolled to
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (hit === element || element.contains(hit));
  };
  const rowsOf = (list, rowSelector) =>
    [...list.querySelectorAll(rowSelector)].map((row) => row.getAttribute("href")).join(" ");
  const checks = {
    clickable: ([selector]) => shown(document.querySelector(selector)),
    text: ([selector, text]) => (document.querySelector(selector)?.textContent ?? "").includes(text),
    rowsChanged: ([selector, rowSelector, before]) => {
      const list = document.querySelector(selector);
      return list !== null && list.querySelector(".animate-pulse") === null && rowsOf(list, rowSelector) !== before;
    },
    onPage: ([pathname, selector]) => location.pathname === pathname && shown(document.querySelector(selector)),
  };
  /** performance.now() just after the first frame in which the check holds has been painted. */
  const paintedWhen = (kind, args, timeoutMs = 20_000) =>
    new Promise((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      const frame = () => {
        let holds = false;
        try {
          holds = checks[kind](args);
        } catch {
          holds = false;
        }
        if (holds) {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve(performance.now());
          channel.port2.postMessage(null);
        } else if (performance.now() > deadline) {
          reject(new Error(`not shown within ${timeoutMs} ms: ${kind} ${JSON.stringify(args)}`));
        } else {
          requestAnimationFrame(frame);
        }
      };
      requestAnimationFrame(frame);
    });
  window.__uiBench = {
    state,
    paintedWhen,
    arm() {
      state.armed = true;
      state.inputAt = null;
      state.events = [];
    },
    rows: (selector, rowSelector) => {
      const list = document.querySelector(selector);
      return list === null ? null : rowsOf(list, rowSelector);
    },
  };
}

async function newPhone(browser, session) {
  const context = await browser.newContext(PHONE);
  await context.addInitScript(pageProbe);
  if (session) {
    await context.addInitScript((stored) => {
      if (!localStorage.getItem("sos.session")) localStorage.setItem("sos.session", stored);
    }, session);
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  return { context, page };
}

/** Input (via `act`) until the frame showing the result is painted; plus the Event Timing duration of that input. */
async function interaction(page, check, act) {
  await page.evaluate(() => window.__uiBench.arm());
  const painted = page.evaluate(([kind, args]) => window.__uiBench.paintedWhen(kind, args), check);
  painted.catch(() => undefined); // a failure is reported by the await below, not as an unhandled rejection
  await act();
  const paintedAt = await painted;
  // Event Timing entries are reported after the paint; give them a moment.
  await page.waitForTimeout(300);
  const { inputAt, events } = await page.evaluate(() => window.__uiBench.state);
  if (inputAt === null) throw new Error("no input event was seen");
  const own = events.filter((event) => event.start >= inputAt - 1);
  return {
    ms: paintedAt - inputAt,
    eventMs: own.length > 0 ? Math.max(...own.map((event) => event.duration)) : null,
  };
}

async function signInSession(browser, baseURL, email) {
  const context = await browser.newContext(PHONE);
  try {
    const page = await context.newPage();
    await page.goto(`${baseURL}/login/`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/alerts/");
    const session = await page.evaluate(() => localStorage.getItem("sos.session"));
    if (!session) throw new Error("signing in stored no session under sos.session");
    return session;
  } finally {
    await context.close();
  }
}

async function api(baseURL, method, pathname, { token, body, form, headers = {} } = {}) {
  const response = await fetch(`${baseURL}${pathname}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: form ? new URLSearchParams(form) : body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
  return await response.json();
}

/** A new triggered alert for each acknowledge measurement (acknowledging changes it for good). */
async function raiseAlert(baseURL, run) {
  const { access_token: token } = await api(baseURL, "POST", "/api/v1/auth/token", {
    form: { grant_type: "password", username: "reporter@demo.sos.test", password: PASSWORD },
  });
  const alert = await api(baseURL, "POST", "/api/v1/alerts", {
    token,
    headers: { "Idempotency-Key": `ui-bench-${Date.now()}-${run}` },
    body: { location: { lat: 52.5219 + run * 0.001, lon: 13.4132, accuracy_m: 15 }, note: `UI benchmark run ${run}` },
  });
  return alert.id;
}

async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    if (!("serviceWorker" in navigator) || !(await navigator.serviceWorker.getRegistration())) return;
    await Promise.race([navigator.serviceWorker.ready, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  });
}

async function oneRun(browser, baseURL, session, run) {
  const result = {};

  // Sign in: a fresh phone on the sign-in page, click on "Sign in" until the inbox shows its first row.
  {
    const { context, page } = await newPhone(browser, null);
    await page.goto(`${baseURL}/login/`);
    await page.getByLabel("Email").fill("coordinator@demo.sos.test");
    await page.getByLabel("Password").fill(PASSWORD);
    const signIn = await interaction(page, ["onPage", ["/alerts/", SCREEN.alertRow]], () =>
      page.getByRole("button", { name: "Sign in" }).click(),
    );
    result.signIn = signIn;
    await context.close();
  }

  // Cold inbox: a signed-in coordinator opens the console on a phone that has nothing cached.
  const { context, page } = await newPhone(browser, session);
  try {
    await page.goto(`${baseURL}/alerts/`, { waitUntil: "commit" });
    const usefulAt = await page.evaluate(
      ([selector]) => window.__uiBench.paintedWhen("clickable", [selector], 30_000),
      [SCREEN.alertRow],
    );
    result.coldInbox = { ms: usefulAt, eventMs: null };
    result.fcp = await page.evaluate(() => window.__uiBench.state.fcp);
    await waitForServiceWorker(page);

    // Filter change: the first status filter, until the list shows something else; then back.
    const rowsNow = () =>
      page.evaluate(([list, row]) => window.__uiBench.rows(list, row), [SCREEN.inboxList, SCREEN.alertRow]);
    const before = await rowsNow();
    result.filter = await interaction(page, ["rowsChanged", [SCREEN.inboxList, SCREEN.alertRow, before]], () =>
      SCREEN.statusFilter(page).click(),
    );
    await SCREEN.statusFilter(page).click();
    await page.waitForFunction(
      ([list, row, rows]) => window.__uiBench.rows(list, row) === rows,
      [SCREEN.inboxList, SCREEN.alertRow, before],
    );

    // Open an alert from the inbox.
    result.openAlert = await interaction(page, ["onPage", ["/alerts/view/", SCREEN.alertHeader]], () =>
      page.locator(SCREEN.alertRow).first().click(),
    );

    // Acknowledge a fresh triggered alert, then send a message on it.
    const alertId = await raiseAlert(baseURL, run);
    await page.goto(`${baseURL}/alerts/view/?id=${alertId}`);
    await SCREEN.acknowledge(page).waitFor();
    result.acknowledge = await interaction(page, ["text", [SCREEN.alertHeader, SCREEN.acknowledgedBadge]], () =>
      SCREEN.acknowledge(page).click(),
    );

    const text = `Benchmark message ${run} ${Date.now()}`;
    await SCREEN.messageBox(page).fill(text);
    result.message = await interaction(page, ["text", [SCREEN.messageLog, text]], () => SCREEN.send(page).click());
  } finally {
    await context.close();
  }
  return result;
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const ms = (value) => (value === null || value === undefined ? "–" : `${Math.round(value)} ms`);

function summarize(runs) {
  return METRICS.map((metric) => {
    const values = runs.map((run) => run[metric.key]).filter(Boolean);
    const times = values.map((value) => value.ms);
    const events = values.map((value) => value.eventMs).filter((value) => value !== null);
    const bar = metric.bar === "first" ? BAR.firstUsefulMs : BAR.interactionMs;
    const p95 = percentile(times, 95);
    return {
      ...metric,
      median: percentile(times, 50),
      p95,
      eventMedian: events.length > 0 ? percentile(events, 50) : null,
      eventP95: events.length > 0 ? percentile(events, 95) : null,
      bar,
      meets: p95 <= bar,
    };
  });
}

function table(rows, fcp) {
  const lines = [
    "| What | Median | p95 | Event Timing median / p95 | Bar | Meets the bar (p95) |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map(
      (row) =>
        `| ${row.label} | ${ms(row.median)} | ${ms(row.p95)} | ${
          row.eventMedian === null ? "–" : `${ms(row.eventMedian)} / ${ms(row.eventP95)}`
        } | < ${row.bar} ms | ${row.meets ? "yes" : "**no**"} |`,
    ),
  ];
  if (fcp.length > 0) lines.push("", `First contentful paint of the cold inbox: median ${ms(percentile(fcp, 50))}.`);
  return lines.join("\n");
}

async function writeDoc(markdown) {
  const doc = await readFile(DOC, "utf8");
  const block = `${START}\n${markdown}\n${END}`;
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${doc.slice(0, start)}${block}${doc.slice(end + END.length)}`
      : `${doc.trimEnd()}\n\n## Web console (UI)\n\n${block}\n`;
  await writeFile(DOC, next);
}

async function main() {
  const backend = await startBackend({
    webDir: process.env.SOS_E2E_CONSOLE_DIR || undefined,
    log: (line) => console.error(line),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const loadAtStart = os.loadavg()[0];
    const runs = [];
    for (let run = 1; run <= RUNS; run++) {
      // A fresh session each run, so no run starts with an access token about to expire (which adds a refresh).
      const session = await signInSession(browser, backend.baseURL, "coordinator@demo.sos.test");
      const result = await oneRun(browser, backend.baseURL, session, run);
      runs.push(result);
      console.error(
        `run ${run}/${RUNS}: ` +
          METRICS.map((metric) => `${metric.key} ${ms(result[metric.key]?.ms)}`).join(", "),
      );
    }
    const rows = summarize(runs);
    const fcp = runs.map((run) => run.fcp).filter((value) => typeof value === "number");
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const markdown = [
      `Measured ${new Date().toISOString().slice(0, 10)} with \`cd apps/frontend && npm run build && node bench/ui-perf.mjs\``,
      `(${RUNS} runs; median and p95 are nearest-rank${RUNS < 20 ? `, so with ${RUNS} runs the p95 is the slowest run` : ""}).`,
      `Phone: ${PHONE.viewport.width}×${PHONE.viewport.height}, touch, Chromium ${browser.version()} (Debian) headless,`,
      `CPU slowed ${CPU_SLOWDOWN}× by DevTools throttling; no network throttling (the backend is on this machine).`,
      `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average`,
      `${loadAtStart.toFixed(1)} when the benchmark started; the embedded backend (SQLite, fresh demo data) runs on the`,
      "same cores. Every run starts from a fresh browser profile.",
      "",
      table(rows, fcp),
    ].join("\n");
    console.log(markdown);
    if (WRITE_DOC) {
      await writeDoc(markdown);
      console.error(`written to ${path.relative(process.cwd(), DOC)}`);
    }
  } finally {
    await browser.close();
    await backend.stop();
  }
}

// Ctrl-C: exit normally, so the backend's exit hook stops the server and removes its data.
process.once("SIGINT", () => process.exit(130));
await main();
