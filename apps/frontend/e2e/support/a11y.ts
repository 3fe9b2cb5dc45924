import AxeBuilder from "@axe-core/playwright";
import { type Page, type TestInfo } from "@playwright/test";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { settled } from "./page-state";

/** WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

/** The smallest phone width the console supports, and a laptop. */
export const VIEWPORTS = [
  { label: "360", width: 360, height: 800 },
  { label: "1280", width: 1280, height: 800 },
] as const;

export const SCREENSHOT_DIR = path.join("test-results", "screenshots");

/** Runs axe on the page as it is; attaches the full results; returns the serious and critical violations. */
export async function axeViolations(page: Page, testInfo: TestInfo, name: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  await testInfo.attach(`axe-${name}.json`, {
    body: JSON.stringify(results, null, 2),
    contentType: "application/json",
  });
  return results.violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ""))
    .map(
      (violation) =>
        `[${name}] ${violation.impact} ${violation.id}: ${violation.help} (${violation.helpUrl})\n` +
        violation.nodes.map((node) => `    at ${node.target.join(" ")}: ${node.failureSummary ?? ""}`).join("\n"),
    );
}

/** Saves a full-page PNG to test-results/screenshots/<name>.png and attaches it to the report. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
  await testInfo.attach(`${name}.png`, { path: file, contentType: "image/png" });
}

/**
 * At 360×800 and at 1280×800: waits for the page to settle, saves `<name>-360.png` / `<name>-1280.png`, and checks
 * it with axe. Fails, listing every serious or critical WCAG A/AA violation, after both widths were checked.
 */
export async function checkPage(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const violations: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await settled(page);
    await screenshot(page, testInfo, `${name}-${viewport.label}`);
    violations.push(...(await axeViolations(page, testInfo, `${name}-${viewport.label}`)));
  }
  if (violations.length > 0) {
    throw new Error(`${violations.length} serious or critical accessibility violation(s):\n${violations.join("\n")}`);
  }
}
