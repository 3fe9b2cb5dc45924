import type { AlertStatus, Category } from "@sos/contracts";

/** The kinds of emergency, in the order a person in trouble is most likely to look for them. */
export const CATEGORY_LABEL: Record<Category, string> = {
  medical: "Medical",
  fire: "Fire",
  accident: "Accident",
  crime: "Crime",
  personal_safety: "Personal safety",
  natural_disaster: "Natural disaster",
  other: "Other",
};

export const CATEGORIES = Object.keys(CATEGORY_LABEL) as Category[];

export const OPEN_STATUSES: readonly AlertStatus[] = ["triggered", "acknowledged", "dispatched", "on_scene"];
export const CLOSED_STATUSES: readonly AlertStatus[] = ["resolved", "cancelled"];
export const isOpen = (status: AlertStatus): boolean => OPEN_STATUSES.includes(status);
