import { createServer } from "node:net";
import { expect, loginAs, test } from "../fixtures";

/** A loopback port nobody listens on: an SMTP server that is down. */
async function closedPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

test("an admin adds an SMTP provider, its password is never shown back, and a check reports the server down", async ({
  page,
}) => {
  const name = `Relay ${Date.now().toString(36)}`;
  const port = await closedPort();
  await loginAs(page, "admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Providers" }).click();
  await expect(page.getByRole("heading", { name: "Notification providers", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Add provider" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a provider" });
  await dialog.getByLabel("Kind").selectOption("smtp");
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Host").fill("127.0.0.1");
  await dialog.getByLabel("Port (optional)").fill(String(port));
  await dialog.getByLabel("Security (optional)").selectOption("none");
  await dialog.getByLabel("From address").fill("sos@example.org");
  await dialog.getByLabel("Password").fill("smtp-password-e2e");
  await dialog.getByRole("button", { name: "Add provider" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name }) });
  await expect(card).toContainText("Email (SMTP)");
  await expect(card).not.toContainText("smtp-password-e2e");

  await card.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(edit.getByLabel("Password")).toHaveValue("");
  await expect(edit.getByLabel("Password")).toHaveAccessibleDescription(/Stored — leave empty to keep it/);
  await edit.getByRole("button", { name: "Cancel" }).click();

  await card.getByRole("button", { name: "Check now" }).click();
  await expect(card.getByRole("status").filter({ hasText: "Check failed" })).toBeVisible({ timeout: 30_000 });
});

test("an admin deletes a provider after confirming", async ({ page }) => {
  const name = `Spare ${Date.now().toString(36)}`;
  await loginAs(page, "admin");
  await page.goto("/admin/providers/");
  await page.getByRole("button", { name: "Add provider" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a provider" });
  await dialog.getByLabel("Kind").selectOption("smtp");
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Host").fill("mail.example.org");
  await dialog.getByLabel("From address").fill("sos@example.org");
  await dialog.getByRole("button", { name: "Add provider" }).click();

  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name }) });
  await card.getByRole("button", { name: "Delete" }).click();
  await page
    .getByRole("dialog", { name: `Delete ${name}?` })
    .getByRole("button", { name: "Delete provider" })
    .click();
  await expect(card).toHaveCount(0);
});
