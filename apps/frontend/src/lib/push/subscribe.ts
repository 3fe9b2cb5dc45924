/**
 * Web Push on this browser: whether it can, the subscription made with the install's VAPID key, and the contact
 * method to register it as.
 */
import type { WebPushIn } from "@sos/contracts";

export type PushSupport = "supported" | "unsupported" | "denied" | "insecure";

/** What this browser allows; "insecure" when the page is not served over HTTPS (or localhost). */
export function pushSupport(
  scope: {
    isSecureContext?: boolean;
    navigator?: Navigator;
    PushManager?: unknown;
    Notification?: { permission: NotificationPermission };
  } = typeof window === "undefined" ? {} : (window as never),
): PushSupport {
  if (!scope.navigator || !("serviceWorker" in scope.navigator) || !scope.PushManager || !scope.Notification)
    return scope.isSecureContext === false ? "insecure" : "unsupported";
  if (scope.Notification.permission === "denied") return "denied";
  return "supported";
}

/** The VAPID public key (base64url, as the API gives it) as the bytes `applicationServerKey` takes. */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(value.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array): boolean => {
  if (!a || a.byteLength !== b.byteLength) return false;
  const view = new Uint8Array(a);
  return view.every((byte, index) => byte === b[index]);
};

export class PushRefused extends Error {
  constructor(
    readonly reason: "denied" | "dismissed" | "no-worker" | "failed",
    message: string,
  ) {
    super(message);
    this.name = "PushRefused";
  }
}

const WORKER_WAIT_MS = 10_000;

async function registration(container: ServiceWorkerContainer): Promise<ServiceWorkerRegistration> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), WORKER_WAIT_MS));
  const ready = await Promise.race([container.ready, timeout]);
  if (!ready)
    throw new PushRefused(
      "no-worker",
      "The console's service worker is not running yet. Reload the page, wait a moment and try again.",
    );
  return ready;
}

/**
 * Asks for permission, then subscribes this browser's service worker with the install's key (replacing a
 * subscription made with another key) and returns it as the API takes it.
 */
export async function subscribeThisBrowser(publicKey: string): Promise<WebPushIn["subscription"]> {
  const permission = await Notification.requestPermission();
  if (permission === "denied")
    throw new PushRefused(
      "denied",
      "Notifications are blocked for this site. Allow them in the browser's site settings.",
    );
  if (permission !== "granted")
    throw new PushRefused("dismissed", "The browser did not get permission to show notifications. Try again.");
  const worker = await registration(navigator.serviceWorker);
  const key = base64UrlToBytes(publicKey);
  let subscription = await worker.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (error) {
    throw new PushRefused(
      "failed",
      `The browser could not subscribe to push messages${error instanceof Error && error.message ? `: ${error.message}` : "."}`,
    );
  }
  return subscriptionJson(subscription.toJSON());
}

/** The parts of `PushSubscription.toJSON()` the API needs; a subscription without keys cannot be encrypted to. */
export function subscriptionJson(json: PushSubscriptionJSON): WebPushIn["subscription"] {
  const { endpoint, keys, expirationTime } = json;
  if (!endpoint || !keys?.p256dh || !keys.auth)
    throw new PushRefused("failed", "The browser gave a push subscription without encryption keys.");
  return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth }, expirationTime: expirationTime ?? null };
}

/** "Chrome on Linux", "Firefox on Android": a name for the device, to tell it apart in the list. */
export function browserName(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrome\/|Chromium\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "Browser";
  const system = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Windows/.test(userAgent)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(userAgent)
          ? "macOS"
          : /Linux|X11/.test(userAgent)
            ? "Linux"
            : null;
  return system ? `${browser} on ${system}` : browser;
}
