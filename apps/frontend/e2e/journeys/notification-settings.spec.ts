import { createECDH, randomBytes } from "node:crypto";
import type { APIRequestContext, Page } from "@playwright/test";
import { apiToken, expect, loginAs, test } from "../fixtures";

/**
 * A browser push subscription as a browser would register it: a real P-256 key and auth secret, and an endpoint on a
 * loopback push service (the server accepts loopback endpoints outside production). Headless Chromium has no push
 * service to subscribe with, so the responder's devices are registered through the API before the journey.
 */
async function registerPushDevice(request: APIRequestContext, label: string): Promise<void> {
  const key = createECDH("prime256v1");
  key.generateKeys();
  const response = await request.post("/api/v1/me/contact-methods", {
    headers: { Authorization: `Bearer ${await apiToken(request, "responder")}` },
    data: {
      channel: "web_push",
      label,
      subscription: {
        endpoint: `http://127.0.0.1:9/push/${randomBytes(12).toString("hex")}`,
        keys: { p256dh: key.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
      },
    },
  });
  expect(response.status(), await response.text()).toBe(201);
}

const methodItem = (page: Page, label: string) =>
  page.getByRole("list", { name: "Your contact methods" }).getByRole("listitem").filter({ hasText: label });

test("a responder adds an email address and sees it waiting for its code", async ({ page }) => {
  const label = `Work mail ${Date.now().toString(36)}`;
  await loginAs(page, "responder");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notification settings" }).click();
  await expect(page.getByRole("heading", { name: "Notification settings", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "Add a contact method" });
  await form.getByLabel("Kind").selectOption("email");
  await form.getByLabel("Name").fill(label);
  await form.getByLabel("Email address").fill(`rita.${Date.now().toString(36)}@example.org`);
  await form.getByRole("button", { name: "Add Email" }).click();

  const item = methodItem(page, label);
  await expect(item.getByText("Not verified")).toBeVisible();
  await expect(item.getByLabel(`Verification code for ${label}`)).toBeVisible();
});

test("a responder adds a Slack webhook, whose URL is never shown back", async ({ page }) => {
  const label = `Ops channel ${Date.now().toString(36)}`;
  await loginAs(page, "responder");
  await page.goto("/settings/notifications/");
  const form = page.getByRole("form", { name: "Add a contact method" });
  await form.getByLabel("Kind").selectOption("slack");
  await form.getByLabel("Name").fill(label);
  await form.getByLabel("Webhook URL").fill("http://127.0.0.1:9/services/T000/B000/XXXXSECRET");
  await form.getByRole("button", { name: "Add Slack" }).click();

  const item = methodItem(page, label);
  await expect(item.getByText("Not verified")).toBeVisible();
  await expect(item).toContainText("Slack webhook");
  await expect(item).not.toContainText("XXXXSECRET");
});

test("a responder builds the default rule from two push devices and reorders it with the keyboard", async ({
  page,
  request,
}) => {
  const run = Date.now().toString(36);
  const laptop = `Laptop ${run}`;
  const phone = `Phone ${run}`;
  await registerPushDevice(request, laptop);
  await registerPushDevice(request, phone);
  await loginAs(page, "responder");
  await page.goto("/settings/notifications/");
  await expect(methodItem(page, laptop).getByText("Verified", { exact: true })).toBeVisible();

  const rule = page.getByRole("region", { name: "Default alerts" });
  // Start from an empty rule: earlier runs on this server may have left steps.
  while ((await rule.getByRole("button", { name: /^Remove step/ }).count()) > 0)
    await rule
      .getByRole("button", { name: /^Remove step/ })
      .first()
      .click();
  await rule.getByRole("button", { name: "Add step" }).click();
  await rule.getByLabel("Step 1: contact method").selectOption({ label: `${laptop} (Browser push)` });
  await rule.getByRole("button", { name: "Add step" }).click();
  await rule.getByLabel("Step 2: contact method").selectOption({ label: `${phone} (Browser push)` });
  await rule.getByLabel("Step 2: wait").fill("3");

  await rule.getByRole("button", { name: "Move step 2 up" }).focus();
  await page.keyboard.press("Enter");
  await expect(rule.getByRole("button", { name: "Move step 1 down" })).toBeFocused();
  await rule.getByRole("button", { name: "Save default alerts rule" }).click();
  await expect(page.getByText("Default alerts rule saved")).toBeVisible();

  await page.reload();
  const saved = page.getByRole("region", { name: "Default alerts" });
  await expect(saved.getByLabel("Step 1: contact method").locator("option:checked")).toHaveText(
    `${phone} (Browser push)`,
  );
  await expect(saved.getByLabel("Step 1: wait")).toHaveValue("0");
  await expect(saved.getByLabel("Step 2: contact method").locator("option:checked")).toHaveText(
    `${laptop} (Browser push)`,
  );
  await expect(saved.getByLabel("Step 2: wait")).toHaveValue("3");
});
