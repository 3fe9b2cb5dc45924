import { DEMO_PASSWORD, emailFor, expect, HOME, HOME_NAV_LABEL, loginAs, ROLES, signOut, test } from "./fixtures";

test("a wrong password is refused with an explanation, and the visitor stays on the sign-in page", async ({ page }) => {
  await page.goto("/login/");
  await page.getByLabel("Email").fill(emailFor("coordinator"));
  await page.getByLabel("Password").fill(`${DEMO_PASSWORD}-wrong`);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByRole("alert").filter({ hasText: /email or password is wrong/i })).toBeVisible();
  await expect(page).toHaveURL((url) => url.pathname === "/login/");
  await expect(page.getByLabel("Password")).toHaveValue(`${DEMO_PASSWORD}-wrong`);
});

for (const role of ROLES) {
  test(`the ${role} lands on ${HOME[role]} after signing in`, async ({ page }) => {
    await loginAs(page, role);

    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: HOME_NAV_LABEL[role] })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  });
}

test("signing out returns to the sign-in page and closes the console", async ({ page }) => {
  await loginAs(page, "coordinator");
  await signOut(page);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  await page.goto("/alerts/");
  await expect(page).toHaveURL((url) => url.pathname === "/login/" && url.searchParams.get("next") === "/alerts/");
});
