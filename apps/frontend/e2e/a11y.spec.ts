import type { APIRequestContext } from "@playwright/test";
import { checkPage, firstAlertId, firstIncidentId, loginAs, openPage, test, type Role } from "./fixtures";

interface MainPage {
  name: string;
  /** Who opens it; null for the sign-in page. */
  role: Role | null;
  /** The main-navigation section marked current on it. */
  nav?: string;
  path: (request: APIRequestContext) => Promise<string>;
}

const at = (path: string) => async () => path;

/** Every main page of the console, opened as a role that uses it. */
const PAGES: MainPage[] = [
  { name: "login", role: null, path: at("/login/") },
  { name: "alerts", role: "coordinator", nav: "Alerts", path: at("/alerts/") },
  {
    name: "alert-view",
    role: "coordinator",
    nav: "Alerts",
    path: async (request) => `/alerts/view/?id=${await firstAlertId(request)}`,
  },
  { name: "incidents", role: "coordinator", nav: "Incidents", path: at("/incidents/") },
  {
    name: "incident-view",
    role: "coordinator",
    nav: "Incidents",
    path: async (request) => `/incidents/view/?id=${await firstIncidentId(request)}`,
  },
  { name: "responders", role: "coordinator", nav: "Responders", path: at("/responders/") },
  { name: "assignments", role: "responder", nav: "My assignments", path: at("/assignments/") },
  { name: "sos", role: "reporter", nav: "SOS", path: at("/sos/") },
  { name: "admin-users", role: "admin", nav: "Users", path: at("/admin/users/") },
  { name: "admin-teams", role: "admin", nav: "Teams", path: at("/admin/teams/") },
  { name: "admin-organization", role: "admin", nav: "Organization", path: at("/admin/organization/") },
  { name: "admin-providers", role: "admin", nav: "Providers", path: at("/admin/providers/") },
  {
    name: "notification-settings",
    role: "responder",
    nav: "Notification settings",
    path: at("/settings/notifications/"),
  },
];

test.describe("accessibility (WCAG 2.1 A/AA) and screenshots at 360 and 1280 px", () => {
  for (const mainPage of PAGES) {
    test(`${mainPage.name}${mainPage.role ? ` as ${mainPage.role}` : ""}`, async ({ page, request }, testInfo) => {
      if (mainPage.role) await loginAs(page, mainPage.role);
      await openPage(page, await mainPage.path(request), mainPage.nav);
      await checkPage(page, testInfo, mainPage.name);
    });
  }
});
