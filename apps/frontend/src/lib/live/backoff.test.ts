import { describe, expect, it } from "vitest";
import { BACKOFF_MAX_MS, backoffDelay, retryAfterMs } from "./backoff";

describe("backoffDelay", () => {
  it("doubles with each failure in a row", () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("spreads each wait between half and the whole of it", () => {
    expect(backoffDelay(2, () => 0)).toBe(2_000);
    expect(backoffDelay(2, () => 0.5)).toBe(3_000);
  });

  it("never waits longer than the cap", () => {
    expect(backoffDelay(30, () => 1)).toBe(BACKOFF_MAX_MS);
  });

  it("waits at least as long as the server asked", () => {
    expect(backoffDelay(0, () => 1, 12_000)).toBe(12_000);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds", () => {
    expect(retryAfterMs("5")).toBe(5_000);
  });

  it("reads an HTTP date", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(retryAfterMs("Wed, 25 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
  });

  it("is zero when absent or unreadable", () => {
    expect(retryAfterMs(null)).toBe(0);
    expect(retryAfterMs("soon")).toBe(0);
  });
});
