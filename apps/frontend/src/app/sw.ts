/// <reference lib="webworker" />
// The console's service worker, bundled by scripts/build-sw.mjs after `next build` (it is not part of the Next app).
// It keeps the app shell available offline. API responses are never cached here: the console's offline data is the
// React Query cache persisted in localStorage, shown marked as stale.
import {
  NavigationRoute,
  NetworkFirst,
  NetworkOnly,
  Serwist,
  type PrecacheEntry,
  type SerwistGlobalConfig,
  type SerwistPlugin,
} from "serwist";
import { handleNotificationClick, showPush, type ClientsLike } from "@/lib/push/sw-handlers";

declare global {
  interface WorkerGlobalScope extends SerwistGlobalConfig {
    // Replaced by the build with every exported page, RSC payload, static chunk, font, the manifest and the icon.
    __SW_MANIFEST: (PrecacheEntry | string)[] | undefined;
  }
}

declare const self: ServiceWorkerGlobalScope;

/** A page that does not answer within this time is served from the cache, as if offline. */
const NAVIGATION_TIMEOUT_SECONDS = 4;
/** Paths served by the API process itself, never by the console's pages. */
const NOT_CONSOLE_PAGES = [/^\/api\//, /^\/api$/, /^\/(livez|readyz)$/];

/** Chromium's static routing (ServiceWorker `addRoutes`), where present: these requests never reach the worker. */
type RouterRule = { condition: { urlPattern: { pathname: string } }; source: "network" };
type InstallEventWithRouter = ExtendableEvent & { addRoutes?: (rules: RouterRule[]) => Promise<void> };

// API calls go straight to the network without waking the worker: it would not answer them anyway, and an in-flight
// API request it was asked about would keep it busy (and a waiting update from activating).
self.addEventListener("install", (event: InstallEventWithRouter) => {
  if (typeof event.addRoutes !== "function") return;
  event.waitUntil(
    event.addRoutes([{ condition: { urlPattern: { pathname: "/api/*" } }, source: "network" }]).catch(() => undefined),
  );
});

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  precacheOptions: {
    cleanupOutdatedCaches: true,
    // Pages are precached under their ".../index.html" file name and matched only by the navigation route below,
    // so a navigation asks the network first.
    directoryIndex: null,
    cleanURLs: false,
    // Precached files are static: the server ignores query strings, and so does the match. RSC payload fetches
    // carry "_rsc" and the page's own query, such as /alerts/view/index.txt?id=…&_rsc=….
    ignoreURLParametersMatching: [/./],
  },
  // A new version waits until the page asks for it (on the next navigation), so nobody is reloaded mid-task.
  skipWaiting: false,
  clientsClaim: true,
  navigationPreload: true,
  disableDevLogs: true,
});

/** The precached HTML of a page: the same file for every query string (`/alerts/view/?id=…`). */
function cachedPageFor(url: string): string {
  const { pathname } = new URL(url);
  const directory = pathname.endsWith("/") ? pathname : `${pathname}/`;
  return `${directory}index.html`;
}

/** A server error (such as a proxy's 502 while the API restarts) is treated like no network. */
const serverErrorIsOffline: SerwistPlugin = {
  fetchDidSucceed: async ({ response }) => {
    if (response.status >= 500) throw new Error(`The server answered ${response.status}`);
    return response;
  },
};

const cachedPageFallback: SerwistPlugin = {
  handlerDidError: async ({ request }) =>
    (await serwist.matchPrecache(cachedPageFor(request.url))) ??
    (await serwist.matchPrecache("/404.html")) ??
    Response.error(),
};

// Network first for pages; the fallback is this version's precached copy, which matches the precached scripts.
serwist.registerRoute(
  new NavigationRoute(
    new NetworkOnly({
      networkTimeoutSeconds: NAVIGATION_TIMEOUT_SECONDS,
      plugins: [serverErrorIsOffline, cachedPageFallback],
    }),
    { denylist: NOT_CONSOLE_PAGES },
  ),
);

// Runtime settings (map tiles) can change without a new build.
serwist.registerCapture(
  ({ url, sameOrigin }) => sameOrigin && url.pathname === "/console-config.json",
  new NetworkFirst({ cacheName: "sos-console-config", networkTimeoutSeconds: 3 }),
);

serwist.addEventListeners();

// Pages pushed to this browser (Web Push): shown even when no console tab is open.
self.addEventListener("push", (event) => {
  event.waitUntil(showPush(self.registration, event.data, self.location.origin));
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(
    handleNotificationClick(event, {
      registration: self.registration,
      clients: self.clients as unknown as ClientsLike,
      fetch: (input, init) => fetch(input, init),
      origin: self.location.origin,
    }),
  );
});
