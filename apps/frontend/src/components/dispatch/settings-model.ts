import type { DispatchMode, DispatchSettingsIn, DispatchSettingsRead } from "@sos/contracts";
import type { FieldErrors } from "@/components/admin/field-errors";
import { parseSkills } from "@/components/responders/skills";

/** The limits the API applies (sos.dispatch.domain), checked before sending so the errors show next to the fields. */
export const LIMITS = {
  timeout: { min: 10, max: 600 },
  maxOffers: { min: 1, max: 50 },
  radiusKm: { max: 20_000 },
} as const;

/** The form as typed: numbers stay text until they are checked. */
export interface SettingsDraft {
  mode: DispatchMode;
  offer_timeout_seconds: string;
  required_skills: string;
  max_offers: string;
  radius_km: string;
}

export const draftOf = (settings: DispatchSettingsRead): SettingsDraft => ({
  mode: settings.mode,
  offer_timeout_seconds: String(settings.offer_timeout_seconds),
  required_skills: settings.required_skills.join(", "),
  max_offers: String(settings.max_offers),
  radius_km: String(settings.radius_km),
});

function wholeNumber(text: string, min: number, max: number, what: string): { value?: number; error?: string } {
  const value = Number(text.trim());
  if (!text.trim() || !Number.isInteger(value) || value < min || value > max)
    return { error: `Enter a whole number of ${what} from ${min} to ${max}.` };
  return { value };
}

/** The settings to save, or the message for each field that is not valid. */
export function readDraft(draft: SettingsDraft): { settings?: DispatchSettingsIn; errors: FieldErrors } {
  const timeout = wholeNumber(draft.offer_timeout_seconds, LIMITS.timeout.min, LIMITS.timeout.max, "seconds");
  const maxOffers = wholeNumber(draft.max_offers, LIMITS.maxOffers.min, LIMITS.maxOffers.max, "offers");
  const skills = parseSkills(draft.required_skills);
  const radius = Number(draft.radius_km.trim());
  const radiusError =
    !draft.radius_km.trim() || !Number.isFinite(radius) || radius <= 0 || radius > LIMITS.radiusKm.max
      ? `Enter a distance in km above 0 and up to ${LIMITS.radiusKm.max.toLocaleString("en")}.`
      : undefined;
  const errors: FieldErrors = {
    offer_timeout_seconds: timeout.error,
    max_offers: maxOffers.error,
    required_skills: skills.error,
    radius_km: radiusError,
  };
  if (Object.values(errors).some(Boolean) || timeout.value === undefined || maxOffers.value === undefined)
    return { errors };
  return {
    settings: {
      mode: draft.mode,
      offer_timeout_seconds: timeout.value,
      required_skills: skills.skills,
      max_offers: maxOffers.value,
      radius_km: radius,
    },
    errors: {},
  };
}

/** Whether the draft says something other than the saved settings (formatting aside). */
export function differs(draft: SettingsDraft, settings: DispatchSettingsRead): boolean {
  const read = readDraft(draft).settings;
  if (!read) return true;
  return (
    read.mode !== settings.mode ||
    read.offer_timeout_seconds !== settings.offer_timeout_seconds ||
    read.max_offers !== settings.max_offers ||
    read.radius_km !== settings.radius_km ||
    (read.required_skills ?? []).join(",") !== settings.required_skills.join(",")
  );
}
