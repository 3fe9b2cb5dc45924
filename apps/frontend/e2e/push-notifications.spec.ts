import type { Page } from "@playwright/test";
import { controlledByServiceWorker, expect, loginAs, test } from "./fixtures";

const ALERT = "01a21464-0000-7000-8000-00000000a0a1";

interface Shown {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
}

const shownNotifications = (page: Page) =>
  page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((notification) => ({
      title: notification.title,
      body: notification.body,
      tag: notification.tag,
      requireInteraction: notification.requireInteraction,
    })),
  );

/** Delivers a push message to the console's service worker through Chromium's DevTools protocol. */
async function deliverPush(page: Page, payload: object): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const registration = new Promise<string>((resolve) =>
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const active = registrations.find((each) => !each.isDeleted);
      if (active) resolve(active.registrationId);
    }),
  );
  await cdp.send("ServiceWorker.enable");
  const origin = new URL(page.url()).origin;
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin,
    registrationId: await registration,
    data: JSON.stringify(payload),
  });
}

test("a critical page pushed to the browser is shown and stays until someone acts", async ({ page, context }) => {
  await context.grantPermissions(["notifications"]);
  await loginAs(page, "responder");
  await controlledByServiceWorker(page);
  const origin = new URL(page.url()).origin;

  await deliverPush(page, {
    title: "CRITICAL: Medical SOS",
    body: "Man collapsed · Alexanderplatz",
    alert_id: ALERT,
    url: `${origin}/alerts/view?id=${ALERT}`,
    ack_url: `${origin}/api/v1/ack/0123456789abcdef0123456789abcdef.1764600000.abc`,
    critical: true,
    purpose: "page",
    tag: `alert-${ALERT}`,
    actions: [
      { action: "ack", title: "Acknowledge" },
      { action: "open", title: "Open" },
    ],
  });

  await expect
    .poll(() => shownNotifications(page))
    .toEqual([
      {
        title: "CRITICAL: Medical SOS",
        body: "Man collapsed · Alexanderplatz",
        tag: `alert-${ALERT}`,
        requireInteraction: true,
      } satisfies Shown,
    ]);
});
