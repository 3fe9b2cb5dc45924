// What every end-to-end spec imports: Playwright's test and expect, and the console's helpers.
export { expect, test } from "@playwright/test";
export { DEMO_PASSWORD, emailFor, HOME, HOME_NAV_LABEL, ROLES, type Role } from "./support/accounts";
export { apiGet, apiToken, loginAs, signOut } from "./support/auth";
export { axeViolations, checkPage, screenshot, VIEWPORTS } from "./support/a11y";
export { firstAlertId, firstIncidentId } from "./support/demo-data";
export { BERLIN, grantGeolocation, moveTo } from "./support/geolocation";
export { openPage } from "./support/navigation";
export { controlledByServiceWorker, queryCachePersisted, settled } from "./support/page-state";
