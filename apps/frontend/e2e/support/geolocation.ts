import type { BrowserContext } from "@playwright/test";

/** Alexanderplatz, inside the demo organization's area around Berlin. */
export const BERLIN = { latitude: 52.5219, longitude: 13.4132, accuracy: 12 };

/** Lets the console read the device position (as a reporter raising an SOS or a responder on the move would). */
export async function grantGeolocation(
  context: BrowserContext,
  baseURL: string,
  position: { latitude: number; longitude: number; accuracy?: number } = BERLIN,
): Promise<void> {
  await context.grantPermissions(["geolocation"], { origin: new URL(baseURL).origin });
  await context.setGeolocation(position);
}

/** Moves the device, such as a responder walking towards the scene. */
export async function moveTo(
  context: BrowserContext,
  position: { latitude: number; longitude: number; accuracy?: number },
): Promise<void> {
  await context.setGeolocation(position);
}
