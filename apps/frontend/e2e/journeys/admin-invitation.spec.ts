import { expect, HOME, loginAs, test } from "../fixtures";

// docs/user-journeys.md, "Admin": an admin invites a person, who accepts with the one-time token and signs in.
test("admin invites a responder, who accepts the invitation and signs in", async ({ page, browser, baseURL }) => {
  const email = `nora.${Date.now().toString(36)}@example.org`;
  const password = "a long passphrase for nora";

  await loginAs(page, "admin");
  await page.goto("/admin/users/");
  await page.getByRole("button", { name: "Add member" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a member" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Full name").fill("Nora Newcomer");
  await dialog.getByLabel("Role").selectOption("responder");
  await dialog.getByRole("button", { name: "Invite member" }).click();
  const token = await page.getByRole("dialog", { name: "Nora Newcomer is invited" }).getByLabel("Invitation token").inputValue();
  expect(token.length).toBeGreaterThan(20);

  const invitee = await browser.newContext({ baseURL: baseURL ?? "" });
  const invited = await invitee.newPage();
  await invited.goto("/login/");
  await invited.getByRole("link", { name: "Invited? Accept your invitation" }).click();
  await invited.getByLabel("Invitation token").fill(token);
  await invited.getByLabel("New password").fill(password);
  await invited.getByLabel("Repeat the password").fill(password);
  await invited.getByRole("button", { name: "Accept and set password" }).click();
  await expect(invited.getByRole("heading", { name: "Invitation accepted" })).toBeVisible();

  await invited.getByRole("link", { name: "Go to sign in" }).click();
  await invited.getByLabel("Email").fill(email);
  await invited.getByLabel("Password").fill(password);
  await invited.getByRole("button", { name: "Sign in" }).click();
  await expect(invited).toHaveURL((url) => url.pathname === HOME.responder);
  await invitee.close();
});
