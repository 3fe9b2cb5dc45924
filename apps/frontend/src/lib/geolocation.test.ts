import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeGeolocation } from "@/components/messages/test-kit";
import { distanceMeters, formatDistance, getCurrentFix, watchThrottled, type Fix } from "./geolocation";

afterEach(() => {
  vi.useRealTimers();
});

describe("watchThrottled", () => {
  it("passes on the first fix at once and then at most one per interval, the newest held back", () => {
    vi.useFakeTimers();
    const geo = fakeGeolocation();
    const sent: Fix[] = [];
    const stop = watchThrottled({ intervalMs: 15_000, onFix: (fix) => sent.push(fix), onError: () => undefined });

    geo.move(52.5, 13.4);
    expect(sent).toHaveLength(1);

    vi.advanceTimersByTime(5_000);
    geo.move(52.51, 13.41);
    vi.advanceTimersByTime(5_000);
    geo.move(52.52, 13.42);
    expect(sent).toHaveLength(1);

    vi.advanceTimersByTime(5_000);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ lat: 52.52, lon: 13.42 });

    vi.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(2);
    stop();
  });

  it("stops watching and drops a held fix when stopped", () => {
    vi.useFakeTimers();
    const geo = fakeGeolocation();
    const sent: Fix[] = [];
    const stop = watchThrottled({ intervalMs: 15_000, onFix: (fix) => sent.push(fix), onError: () => undefined });
    geo.move(52.5, 13.4);
    geo.move(52.6, 13.5);

    stop();
    vi.advanceTimersByTime(30_000);

    expect(sent).toHaveLength(1);
    expect(geo.geolocation.clearWatch).toHaveBeenCalledWith(7);
    expect(geo.watching).toBe(false);
  });

  it("reports a permission denial by its reason", () => {
    const geo = fakeGeolocation();
    const onError = vi.fn();
    watchThrottled({ intervalMs: 15_000, onFix: () => undefined, onError });
    geo.failWatch(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ reason: "denied" }));
  });
});

describe("getCurrentFix", () => {
  it("asks for a high-accuracy fix and returns it in the API's shape", async () => {
    const geo = fakeGeolocation();
    const fix = getCurrentFix({ timeoutMs: 9_000 });
    geo.resolveCurrent(48.85, 2.35);
    await expect(fix).resolves.toMatchObject({ lat: 48.85, lon: 2.35, accuracy_m: 8 });
    expect(geo.geolocation.getCurrentPosition).toHaveBeenCalledWith(
      expect.any(Function),
      expect.any(Function),
      expect.objectContaining({ enableHighAccuracy: true, timeout: 9_000 }),
    );
  });

  it.each([
    [1, "denied"],
    [2, "unavailable"],
    [3, "timeout"],
  ] as const)("turns position error %i into %s", async (code, reason) => {
    const geo = fakeGeolocation();
    const fix = getCurrentFix();
    geo.failCurrent(code);
    await expect(fix).rejects.toMatchObject({ reason });
  });
});

describe("distances", () => {
  it("measures great-circle distance", () => {
    // Brandenburg Gate to Alexanderplatz: about 2.5 km as the crow flies.
    const meters = distanceMeters({ lat: 52.5163, lon: 13.3777 }, { lat: 52.5219, lon: 13.4132 });
    expect(meters).toBeGreaterThan(2_300);
    expect(meters).toBeLessThan(2_600);
  });

  it("formats short and long distances for reading at a glance", () => {
    expect(formatDistance(347)).toBe("350 m");
    expect(formatDistance(2_449)).toBe("2.4 km");
    expect(formatDistance(38_200)).toBe("38 km");
  });
});
