import { expect, type Page } from "@playwright/test";

/**
 * Opens a page by URL and checks it is the console page asked for, not the export's 404 page: the server answered
 * with success and, for signed-in pages, the main navigation marks `navLabel` as the current section.
 */
export async function openPage(page: Page, path: string, navLabel?: string): Promise<void> {
  const response = await page.goto(path);
  expect(response?.status(), `GET ${path}`).toBeLessThan(400);
  if (navLabel) {
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: navLabel })).toHaveAttribute(
      "aria-current",
      "page",
    );
  }
}
