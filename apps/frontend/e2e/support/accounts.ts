import type { Role } from "@sos/contracts";

/** The demo organization's password for every seeded account (`sos seed-demo`). */
export const DEMO_PASSWORD = "sos-demo-2026!";

export const ROLES = ["admin", "coordinator", "responder", "reporter"] as const satisfies readonly Role[];

export const emailFor = (role: Role): string => `${role}@demo.sos.test`;

/** Where each role lands after signing in (mirrors src/lib/roles.ts homeFor). */
export const HOME: Record<Role, string> = {
  admin: "/alerts/",
  coordinator: "/alerts/",
  responder: "/assignments/",
  reporter: "/sos/",
};

/** The main-navigation link marked current on each role's home page. */
export const HOME_NAV_LABEL: Record<Role, string> = {
  admin: "Alerts",
  coordinator: "Alerts",
  responder: "My assignments",
  reporter: "SOS",
};

export type { Role };
