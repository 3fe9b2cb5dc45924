import type { AlertCreate } from "@sos/contracts";

/**
 * An SOS that was pressed but not yet confirmed by the server. It lives in sessionStorage with its idempotency key,
 * so a retry (after a network failure, a reload, or when the device is back online) reuses the key and the server
 * returns the alert it may already have created instead of creating a second one.
 */
export interface PendingSos {
  idempotencyKey: string;
  body: AlertCreate;
  pressedAt: string;
}

const STORAGE_KEY = "sos.pending-sos";

export function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; the random bytes do not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function loadPendingSos(): PendingSos | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<PendingSos>;
    return typeof value.idempotencyKey === "string" && value.body && typeof value.pressedAt === "string"
      ? (value as PendingSos)
      : null;
  } catch {
    return null;
  }
}

export function savePendingSos(pending: PendingSos): void {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(pending));
  } catch {
    // Without storage the key still lives in memory for this page.
  }
}

export function clearPendingSos(): void {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to clear.
  }
}
