import type { QuietHoursIn, QuietHoursRead } from "@sos/contracts";

export interface QuietHoursDraft {
  enabled: boolean;
  start: string;
  end: string;
  timezone: string;
}

export type QuietHoursErrors = Partial<Record<"start" | "end" | "timezone", string>>;

const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** This browser's time zone, the default for quiet hours never set. */
export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export function draftOfQuietHours(saved: QuietHoursRead, fallbackZone: string): QuietHoursDraft {
  return {
    enabled: saved.start !== null && saved.end !== null,
    start: saved.start ?? "22:00",
    end: saved.end ?? "07:00",
    // Quiet hours never set start in the zone this browser is in, whatever the server's default.
    timezone: saved.start === null ? fallbackZone : saved.timezone || fallbackZone,
  };
}

/** The body to save, or why not: both times on a 24-hour clock, different, and a time zone. */
export function quietHoursBody(draft: QuietHoursDraft): { body: QuietHoursIn } | { errors: QuietHoursErrors } {
  const timezone = draft.timezone.trim();
  if (!draft.enabled) return { body: { start: null, end: null, timezone: timezone || "UTC" } };
  const errors: QuietHoursErrors = {};
  if (!CLOCK.test(draft.start)) errors.start = "Enter a time such as 22:00.";
  if (!CLOCK.test(draft.end)) errors.end = "Enter a time such as 07:00.";
  else if (draft.start === draft.end) errors.end = "End quiet hours at a different time than they start.";
  if (!timezone) errors.timezone = "Choose a time zone.";
  if (Object.keys(errors).length) return { errors };
  return { body: { start: draft.start, end: draft.end, timezone } };
}
