/** The first retry waits about this long; each failure in a row doubles it, up to BACKOFF_MAX_MS. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * The wait before retry number `attempt` (0 for the first): exponential, capped, and jittered between half and the
 * whole of it, so a thousand consoles cut off by one server restart do not all come back in the same second.
 * A server's Retry-After is a floor.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, retryAfterMs = 0): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  const jittered = ceiling / 2 + (ceiling / 2) * random();
  return Math.max(Math.round(jittered), retryAfterMs);
}

/** `Retry-After` in milliseconds: seconds or an HTTP date; 0 when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 0;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
}
