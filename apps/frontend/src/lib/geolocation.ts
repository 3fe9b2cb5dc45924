/** The browser's Geolocation API as promises and throttled watches, with failures a person can act on. */

/** A location fix in the API's shape (`LocationIn`). */
export interface Fix {
  lat: number;
  lon: number;
  accuracy_m: number | null;
  recorded_at: string;
}

export type GeolocationFailure = "unsupported" | "insecure" | "denied" | "unavailable" | "timeout";

export class GeolocationError extends Error {
  readonly reason: GeolocationFailure;

  constructor(reason: GeolocationFailure) {
    super(explainGeolocationError(reason).title);
    this.name = "GeolocationError";
    this.reason = reason;
  }
}

const EXPLANATIONS: Record<GeolocationFailure, { title: string; detail: string }> = {
  denied: {
    title: "Location access is blocked",
    detail:
      "Allow location for this site: open the site settings (the icon left of the address) and set Location to Allow, then try again. On a phone, location services must also be on for the browser.",
  },
  unavailable: {
    title: "Your device could not find your location",
    detail:
      "Turn on location services (GPS) on your device, move outside or near a window if you can, and try again.",
  },
  timeout: {
    title: "Finding your location took too long",
    detail: "Your device did not report a position in time. Try again; outdoors or near a window it is usually faster.",
  },
  unsupported: {
    title: "This browser cannot share a location",
    detail: "Use a current browser on a device with location services, such as Chrome, Edge, Firefox or Safari.",
  },
  insecure: {
    title: "Location needs a secure connection",
    detail: "Browsers only share a location with sites opened over https. Open the console through its https address.",
  },
};

export const explainGeolocationError = (reason: GeolocationFailure): { title: string; detail: string } =>
  EXPLANATIONS[reason];

/** Any thrown value as a geolocation failure reason, or undefined when it is not one. */
export function geolocationFailureOf(error: unknown): GeolocationFailure | undefined {
  return error instanceof GeolocationError ? error.reason : undefined;
}

export function fromPositionError(error: GeolocationPositionError): GeolocationError {
  if (error.code === error.PERMISSION_DENIED) return new GeolocationError("denied");
  if (error.code === error.TIMEOUT) return new GeolocationError("timeout");
  return new GeolocationError("unavailable");
}

export function toFix(position: GeolocationPosition): Fix {
  const accuracy = position.coords.accuracy;
  return {
    lat: position.coords.latitude,
    lon: position.coords.longitude,
    // The API accepts 0..100 km; a wilder figure from a device is better left out than rejected.
    accuracy_m: Number.isFinite(accuracy) && accuracy >= 0 && accuracy <= 100_000 ? Math.round(accuracy) : null,
    recorded_at: new Date(position.timestamp || Date.now()).toISOString(),
  };
}

function geolocationOrThrow(): Geolocation {
  if (typeof window !== "undefined" && window.isSecureContext === false) throw new GeolocationError("insecure");
  if (typeof navigator === "undefined" || !navigator.geolocation) throw new GeolocationError("unsupported");
  return navigator.geolocation;
}

/**
 * The current position with high accuracy. `timeoutMs` bounds the wait for a fix once the person has allowed
 * location; the browser's permission prompt itself is not timed, so the caller should say that it may ask.
 */
export function getCurrentFix({ timeoutMs = 15_000, maximumAgeMs = 10_000 } = {}): Promise<Fix> {
  return new Promise((resolve, reject) => {
    let geolocation: Geolocation;
    try {
      geolocation = geolocationOrThrow();
    } catch (error) {
      reject(error);
      return;
    }
    geolocation.getCurrentPosition(
      (position) => resolve(toFix(position)),
      (error) => reject(fromPositionError(error)),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: maximumAgeMs },
    );
  });
}

/**
 * Watches the position and hands a fix to `onFix` at most once per `intervalMs`: the first at once, and the newest
 * one held back during the pause when the pause ends, so a moving person is never reported late by more than that.
 * Returns the function that stops watching.
 */
export function watchThrottled({
  intervalMs,
  onFix,
  onError,
}: {
  intervalMs: number;
  onFix: (fix: Fix) => void;
  onError: (error: GeolocationError) => void;
}): () => void {
  let geolocation: Geolocation;
  try {
    geolocation = geolocationOrThrow();
  } catch (error) {
    onError(error as GeolocationError);
    return () => undefined;
  }
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let held: Fix | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const send = (fix: Fix) => {
    lastSentAt = Date.now();
    held = null;
    onFix(fix);
  };
  const flushLater = () => {
    if (timer !== null) return;
    timer = setTimeout(
      () => {
        timer = null;
        if (!stopped && held) send(held);
      },
      Math.max(0, lastSentAt + intervalMs - Date.now()),
    );
  };

  const watchId = geolocation.watchPosition(
    (position) => {
      if (stopped) return;
      const fix = toFix(position);
      if (Date.now() - lastSentAt >= intervalMs) send(fix);
      else {
        held = fix;
        flushLater();
      }
    },
    (error) => {
      if (!stopped) onError(fromPositionError(error));
    },
    { enableHighAccuracy: true, timeout: 30_000, maximumAge: 5_000 },
  );

  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    geolocation.clearWatch(watchId);
  };
}

interface Point {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: Point, b: Point): number {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** "350 m", "2.4 km", "38 km". */
export function formatDistance(meters: number): string {
  if (meters < 1_000) return `${Math.max(10, Math.round(meters / 10) * 10)} m`;
  if (meters < 10_000) return `${(meters / 1_000).toFixed(1)} km`;
  return `${Math.round(meters / 1_000)} km`;
}
