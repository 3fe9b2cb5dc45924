import type { Page } from "@playwright/test";
import { expect, grantGeolocation, loginAs, signOut, test } from "../fixtures";

// One SOS from the press of the button to its resolution, as docs/user-journeys.md tells it: the reporter raises it,
// the coordinator assigns a responder and opens an incident, the responder works it, and both sides write to each
// other. The steps share one alert, so they run in order in one browser context.
test.describe.configure({ mode: "serial" });

const NOTE = `Fell on the stairs at the fountain, ${Date.now().toString(36)}`;
const REPORTER_SAYS = "I am by the fountain, wearing a red coat.";
const COORDINATOR_SAYS = "Rafael is on his way to you.";
const RESPONDER_SAYS = "Two minutes away, stay where you are.";

async function messageOnThread(page: Page, text: string): Promise<void> {
  await page.getByLabel("Write a message").fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByRole("log").getByText(text)).toBeVisible();
}

test.describe("an SOS from the button to its resolution", () => {
  let page: Page;

  test.beforeAll(async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL: baseURL ?? "" });
    await grantGeolocation(context, baseURL ?? "");
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await page.context().close();
  });

  test("reporter: raises an SOS with their location and writes to the responders", async () => {
    await loginAs(page, "reporter");
    // The demo organization has no natural-disaster alerts, so this category tells the journey's SOS apart later.
    await page.locator("label").filter({ hasText: "Natural disaster" }).click();
    await expect(page.getByRole("radio", { name: "Natural disaster" })).toBeChecked();
    await page.getByLabel(/Anything responders should know/).fill(NOTE);
    await page.getByRole("button", { name: /^SOS/ }).click();
    const confirm = page.getByRole("dialog", { name: "Send an SOS now?" });
    await expect(confirm).toBeVisible();
    await confirm.getByRole("button", { name: "Yes, send SOS" }).click();
    await expect(page.getByRole("heading", { name: "Help has been alerted" })).toBeVisible();
    await messageOnThread(page, REPORTER_SAYS);
    await signOut(page);
  });

  test("coordinator: sees the SOS, assigns a responder, opens an incident and answers", async () => {
    await loginAs(page, "coordinator");
    const row = page.getByRole("listitem").filter({ hasText: NOTE });
    await expect(row).toBeVisible();
    await row.getByRole("link").first().click();
    await expect(page).toHaveURL(/\/alerts\/view\/\?id=/);
    await expect(page.getByRole("log").getByText(REPORTER_SAYS)).toBeVisible();

    await page.getByRole("button", { name: "Assign", exact: true }).first().click();
    const assign = page.getByRole("dialog", { name: "Assign responders or teams" });
    await assign.getByRole("checkbox", { name: /Rafael Responder/ }).check();
    await assign.getByRole("button", { name: "Assign", exact: true }).click();
    await expect(assign).toBeHidden();
    await expect(page.getByRole("main").getByText("Rafael Responder").first()).toBeVisible();

    await page.getByRole("button", { name: "Add to incident" }).click();
    const incident = page.getByRole("dialog");
    await incident.getByText("Open a new incident with this alert").click();
    await incident.getByLabel("Title of the new incident").fill("Fall at the fountain");
    await incident.getByRole("button", { name: "Open incident" }).click();
    await expect(incident).toBeHidden();
    await expect(page.getByRole("main").getByRole("link", { name: /Fall at the fountain/ })).toBeVisible();

    await messageOnThread(page, COORDINATOR_SAYS);
    await signOut(page);
  });

  test("responder: acknowledges, goes en route, arrives, answers and resolves", async () => {
    await loginAs(page, "responder");
    const card = page.getByRole("article").filter({ hasText: NOTE });
    await expect(card).toBeVisible();
    for (const [action, status] of [
      ["Acknowledge", "Acknowledged"],
      ["En route", "Dispatched"],
      ["On scene", "On scene"],
    ] as const) {
      await card.getByRole("button", { name: action, exact: true }).click();
      await expect(card.getByText(`Status: ${status}`)).toBeVisible();
    }

    await card.getByRole("link", { name: /Open/ }).click();
    await expect(page.getByRole("log").getByText(COORDINATOR_SAYS)).toBeVisible();
    await messageOnThread(page, RESPONDER_SAYS);

    await page.getByRole("button", { name: "Resolve", exact: true }).click();
    await expect(page.getByRole("main").getByText("Status: Resolved").first()).toBeVisible();
    await signOut(page);
  });

  test("reporter: sees their alert resolved and the responder's message", async () => {
    await loginAs(page, "reporter");
    // A closed alert moves to "My other alerts"; the list may first show the cached, older state of the alert.
    const journeyAlert = page
      .getByRole("region", { name: "My other alerts" })
      .getByRole("listitem")
      .filter({ hasText: "Natural disaster" });
    await expect(journeyAlert).toContainText("Resolved");
    await journeyAlert.getByRole("button", { name: /Show/ }).click();
    await expect(page.getByRole("log").getByText(RESPONDER_SAYS)).toBeVisible();
    await expect(page.getByText("Status: Resolved").first()).toBeVisible();
  });
});
