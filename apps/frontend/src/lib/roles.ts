import type { Role } from "@sos/contracts";

export const ROLE_LABEL: Record<Role, string> = {
  admin: "Administrator",
  coordinator: "Coordinator",
  responder: "Responder",
  reporter: "Reporter",
};

export const isStaff = (role: Role): boolean => role === "admin" || role === "coordinator";

/** Where each role lands after signing in. */
export function homeFor(role: Role): string {
  if (role === "responder") return "/assignments/";
  if (role === "reporter") return "/sos/";
  return "/alerts/";
}

export interface NavItem {
  href: string;
  label: string;
  roles: readonly Role[];
}

export const NAV: readonly NavItem[] = [
  { href: "/alerts/", label: "Alerts", roles: ["admin", "coordinator"] },
  { href: "/incidents/", label: "Incidents", roles: ["admin", "coordinator"] },
  { href: "/responders/", label: "Responders", roles: ["admin", "coordinator"] },
  { href: "/assignments/", label: "My assignments", roles: ["responder"] },
  { href: "/sos/", label: "SOS", roles: ["reporter"] },
  { href: "/admin/users/", label: "Users", roles: ["admin"] },
  { href: "/admin/teams/", label: "Teams", roles: ["admin"] },
  { href: "/admin/organization/", label: "Organization", roles: ["admin"] },
  { href: "/admin/providers/", label: "Providers", roles: ["admin"] },
  {
    href: "/settings/notifications/",
    label: "Notification settings",
    roles: ["admin", "coordinator", "responder", "reporter"],
  },
];

export const navFor = (role: Role): NavItem[] => NAV.filter((item) => item.roles.includes(role));
