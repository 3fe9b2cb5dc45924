/**
 * What the service worker does with a page pushed to this browser, and with a click on its notification. Kept apart
 * from src/app/sw.ts, which only wires these to the worker's `push` and `notificationclick` events.
 */

export interface PushAction {
  action: string;
  title: string;
}

/** The JSON the server pushes (encrypted; the browser decrypts it). */
export interface PushPayload {
  title: string;
  body: string;
  alertId: string | null;
  url: string | null;
  ackUrl: string | null;
  critical: boolean;
  purpose: string | null;
  tag: string | null;
  actions: PushAction[];
}

/** What the notification keeps for the click handler. */
export interface NotificationData {
  url: string | null;
  ackUrl: string | null;
  alertId: string | null;
}

/** NotificationOptions with the members TypeScript's DOM types leave out (actions, renotify). */
export interface PushNotificationOptions extends NotificationOptions {
  actions?: PushAction[];
  renotify?: boolean;
  data: NotificationData;
}

export interface Shower {
  showNotification(title: string, options?: NotificationOptions): Promise<void>;
}

export interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate?(url: string): Promise<unknown>;
}

export interface ClientsLike {
  matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<readonly WindowClientLike[]>;
  openWindow(url: string): Promise<unknown>;
}

const FALLBACK_TITLE = "SOS alert";
const INBOX = "/alerts/";

const str = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

function webUrl(value: unknown, origin: string): string | null {
  const text = str(value);
  if (!text) return null;
  try {
    const url = new URL(text, origin);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Reads a push message's data; a message that is not the expected JSON still shows, as plain text. */
export function parsePushPayload(data: { json(): unknown; text(): string } | null, origin: string): PushPayload {
  let raw: unknown = null;
  let text = "";
  if (data) {
    try {
      raw = data.json();
    } catch {
      text = data.text();
    }
  }
  const body = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const actions = Array.isArray(body.actions)
    ? body.actions.flatMap((item: unknown) => {
        const record = typeof item === "object" && item !== null ? (item as Record<string, unknown>) : {};
        const action = str(record.action);
        const title = str(record.title);
        return action && title ? [{ action, title }] : [];
      })
    : [];
  const alertId = str(body.alert_id);
  return {
    title: str(body.title) ?? FALLBACK_TITLE,
    body: str(body.body) ?? text,
    alertId,
    url: webUrl(body.url, origin) ?? (alertId ? new URL(`/alerts/view/?id=${alertId}`, origin).href : null),
    ackUrl: webUrl(body.ack_url, origin),
    critical: body.critical === true,
    purpose: str(body.purpose),
    tag: str(body.tag),
    actions,
  };
}

/** The notification for a push: critical pages stay on screen until someone acts on them. */
export function notificationFor(payload: PushPayload): { title: string; options: PushNotificationOptions } {
  const options: PushNotificationOptions = {
    body: payload.body,
    icon: "/icon.svg",
    requireInteraction: payload.critical,
    data: { url: payload.url, ackUrl: payload.ackUrl, alertId: payload.alertId },
    // Without an acknowledge link the "ack" button could do nothing.
    actions: payload.actions.filter((action) => action.action !== "ack" || payload.ackUrl !== null),
  };
  if (payload.tag) {
    options.tag = payload.tag;
    options.renotify = true;
  }
  return { title: payload.title, options };
}

/** Handles `push`: always shows a notification (browsers require it for userVisibleOnly subscriptions). */
export async function showPush(
  registration: Shower,
  data: { json(): unknown; text(): string } | null,
  origin: string,
): Promise<void> {
  const { title, options } = notificationFor(parsePushPayload(data, origin));
  await registration.showNotification(title, options);
}

function dataOf(value: unknown): NotificationData {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  return { url: str(record.url), ackUrl: str(record.ackUrl), alertId: str(record.alertId) };
}

/** Focuses a console window already showing `url`, else turns one console window to it, else opens a new one. */
export async function openUrl(clients: ClientsLike, url: string): Promise<void> {
  const windows = await clients.matchAll({ type: "window", includeUncontrolled: true });
  const showing = windows.find((client) => client.url === url);
  if (showing) {
    await showing.focus();
    return;
  }
  const origin = new URL(url).origin;
  const console = windows.find((client) => client.navigate && new URL(client.url).origin === origin);
  if (console?.navigate) {
    await console.navigate(url);
    await console.focus();
    return;
  }
  await clients.openWindow(url);
}

interface AckAnswer {
  status: string;
  message: string;
}

async function acknowledge(fetcher: typeof fetch, ackUrl: string): Promise<AckAnswer> {
  try {
    const response = await fetcher(ackUrl, { method: "POST", headers: { Accept: "application/json" } });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    const message = str(body.message) ?? str(body.detail);
    if (!response.ok && !message) return { status: "failed", message: `The server answered ${response.status}.` };
    return { status: str(body.status) ?? (response.ok ? "acknowledged" : "failed"), message: message ?? "" };
  } catch {
    return { status: "failed", message: "No connection to the server. Open the alert to acknowledge it." };
  }
}

const ACK_TITLE: Record<string, string> = {
  acknowledged: "Acknowledged",
  already_acknowledged: "Already acknowledged",
};

/**
 * Handles `notificationclick`: "ack" acknowledges through the notification's link and shows the outcome as a new
 * notification; "open", or a click on the notification itself, opens the alert.
 */
export async function handleNotificationClick(
  click: { action: string; notification: { data: unknown; tag: string; close(): void } },
  context: { registration: Shower; clients: ClientsLike; fetch: typeof fetch; origin: string },
): Promise<void> {
  const data = dataOf(click.notification.data);
  click.notification.close();
  const target = data.url ?? new URL(INBOX, context.origin).href;
  if (click.action === "ack" && data.ackUrl) {
    const answer = await acknowledge(context.fetch, data.ackUrl);
    const options: PushNotificationOptions = {
      body: answer.message || (answer.status === "acknowledged" ? "The alert is acknowledged." : ""),
      icon: "/icon.svg",
      data: { url: data.url, ackUrl: null, alertId: data.alertId },
      actions: [{ action: "open", title: "Open" }],
    };
    if (click.notification.tag) options.tag = click.notification.tag;
    await context.registration.showNotification(ACK_TITLE[answer.status] ?? "Could not acknowledge", options);
    return;
  }
  await openUrl(context.clients, target);
}
