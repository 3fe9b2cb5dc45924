import type { APIRequestContext } from "@playwright/test";
import { checkPage, DEMO_PASSWORD, emailFor, expect, loginAs, test } from "../fixtures";

// Dispatch: a coordinator sees the available responders ranked nearest first and offers the alert to the nearest;
// that responder sees the offer on their console and accepts it; the alert shows them assigned and its timeline says
// why they were chosen.

/** A quiet corner of Wedding, kilometres from the demo alerts and from the other demo responders. */
const SCENE = { lat: 52.545, lon: 13.36 };
/** About 150 m north of the scene, and about 900 m. */
const NEAR = { lat: SCENE.lat + 0.00135, lon: SCENE.lon };
const FARTHER = { lat: SCENE.lat + 0.0081, lon: SCENE.lon };
const MIA = "mia.paramedic@demo.sos.test";

async function tokenFor(request: APIRequestContext, email: string): Promise<string> {
  const response = await request.post("/api/v1/auth/token", {
    form: { grant_type: "password", username: email, password: DEMO_PASSWORD },
  });
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function send(
  request: APIRequestContext,
  token: string,
  method: "POST" | "PUT",
  path: string,
  data: object,
): Promise<unknown> {
  const response = await request.fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": crypto.randomUUID() },
    data,
  });
  expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
  return await response.json();
}

/** An available responder whose phone last reported this position. */
async function standBy(request: APIRequestContext, email: string, at: { lat: number; lon: number }): Promise<void> {
  const token = await tokenFor(request, email);
  await send(request, token, "PUT", "/api/v1/responders/me/availability", { availability: "available" });
  await send(request, token, "POST", "/api/v1/responders/me/locations", { ...at, accuracy_m: 10 });
}

/** A fresh high-severity accident at the scene, raised by the demo reporter; returns its id. */
async function raiseAccident(request: APIRequestContext, note: string): Promise<string> {
  const reporter = await tokenFor(request, emailFor("reporter"));
  const alert = (await send(request, reporter, "POST", "/api/v1/alerts", {
    category: "accident",
    severity: "high",
    note,
    location: { ...SCENE, accuracy_m: 15 },
  })) as { id: string };
  return alert.id;
}

/** Closing the alert lets its responders go, so a later run against the same backend finds them available again. */
async function closeAlert(request: APIRequestContext, alertId: string): Promise<void> {
  const headers = { Authorization: `Bearer ${await tokenFor(request, emailFor("coordinator"))}` };
  const data = { note: "Dispatch journey finished" };
  const resolved = await request.post(`/api/v1/alerts/${alertId}/resolve`, { headers, data });
  if (!resolved.ok()) await request.post(`/api/v1/alerts/${alertId}/cancel`, { headers, data });
}

test("a coordinator offers an alert to the nearest responder, who accepts it", async ({
  browser,
  request,
  baseURL,
}, testInfo) => {
  const note = `Cyclist down at the canal bridge, ${Date.now().toString(36)}`;
  const alertId = await raiseAccident(request, note);
  await standBy(request, emailFor("responder"), NEAR);
  await standBy(request, MIA, FARTHER);

  const coordinatorContext = await browser.newContext({ baseURL: baseURL ?? "" });
  const responderContext = await browser.newContext({ baseURL: baseURL ?? "" });
  try {
    const coordinator = await coordinatorContext.newPage();
    await loginAs(coordinator, "coordinator");
    await coordinator.goto(`/alerts/view/?id=${alertId}`);
    await expect(coordinator.getByText(note).first()).toBeVisible();

    const dispatch = coordinator.getByRole("region", { name: "Dispatch" });
    const candidates = dispatch.getByRole("list", { name: "Candidates ranked by distance" }).getByRole("listitem");
    await expect(candidates.first()).toContainText("Rank 1: Rafael Responder");
    await expect(candidates.first()).toContainText(/1[45]0 m away/);
    await expect(candidates.first()).toContainText("Why: Nearest available: 150 m");
    await expect(candidates.nth(1)).toContainText("Rank 2: Mia Paramedic");
    await expect(candidates.nth(1)).toContainText(/9\d0 m away/);

    await dispatch.getByRole("button", { name: "Offer to Rafael Responder" }).click();
    const offers = dispatch.getByRole("list", { name: "Offers, newest first" });
    await expect(offers.getByRole("listitem").first()).toContainText("Waiting for an answer");
    await expect(offers.getByRole("timer")).toContainText(/\d:\d\d left/);

    const responder = await responderContext.newPage();
    await loginAs(responder, "responder");
    const offer = responder.getByRole("article", { name: "Accident alert offered to you" });
    await expect(offer).toBeVisible();
    await expect(offer).toContainText(/1[45]0 m away/);
    await expect(offer.getByRole("timer")).toContainText(/\d:\d\d left/);
    // The offer card is on screen only while an offer waits: the accessibility scan of the pages cannot see it.
    await checkPage(responder, testInfo, "assignments-with-offer");
    await offer.getByRole("button", { name: "Accept the accident alert" }).click();
    await expect(offer).toBeHidden();
    const assigned = responder
      .getByRole("region", { name: /Open assignments/ })
      .getByRole("article")
      .filter({
        hasText: note,
      });
    await expect(assigned).toBeVisible();
    await expect(assigned).toContainText("Status: Dispatched");

    await expect(offers.getByRole("listitem").first()).toContainText("Accepted");
    await expect(coordinator.getByRole("region", { name: "Assigned" })).toContainText("Rafael Responder");
    const timeline = coordinator.getByRole("region", { name: "Timeline" });
    const offered = timeline.getByRole("listitem").filter({ hasText: "Offered the alert to Rafael Responder" });
    await expect(offered).toContainText(/Why: chosen by a coordinator: 1[45]0 m away/);
    await expect(timeline.getByText("Rafael Responder accepted the offer")).toBeVisible();
  } finally {
    await coordinatorContext.close();
    await responderContext.close();
    await closeAlert(request, alertId);
  }
});

test("auto-dispatch offers the nearest first and moves on to the next-nearest when they decline", async ({
  browser,
  request,
  baseURL,
}) => {
  const note = `Runner collapsed on the towpath, ${Date.now().toString(36)}`;
  const alertId = await raiseAccident(request, note);
  await standBy(request, emailFor("responder"), NEAR);
  await standBy(request, MIA, FARTHER);

  const coordinatorContext = await browser.newContext({ baseURL: baseURL ?? "" });
  const responderContext = await browser.newContext({ baseURL: baseURL ?? "" });
  try {
    const coordinator = await coordinatorContext.newPage();
    await loginAs(coordinator, "coordinator");
    await coordinator.goto(`/alerts/view/?id=${alertId}`);
    const dispatch = coordinator.getByRole("region", { name: "Dispatch" });
    await dispatch.getByLabel("Time to answer an offer").selectOption("2 minutes");
    await dispatch.getByRole("button", { name: "Auto-dispatch" }).click();
    await expect(dispatch.getByText("Auto-dispatch is running: waiting for Rafael Responder.")).toBeVisible();

    const responder = await responderContext.newPage();
    await loginAs(responder, "responder");
    const offer = responder.getByRole("article", { name: "Accident alert offered to you" });
    await expect(offer).toContainText("Nearest available: 150 m");
    await offer.getByRole("button", { name: "Decline the accident alert" }).click();
    const decline = responder.getByRole("dialog", { name: "Decline the accident alert?" });
    await decline.getByLabel("Reason (optional)").fill("Flat tyre, cannot get there");
    await decline.getByRole("button", { name: "Decline offer" }).click();
    await expect(offer).toBeHidden();

    await expect(dispatch.getByText("Auto-dispatch is running: waiting for Mia Paramedic.")).toBeVisible();
    const offers = dispatch.getByRole("list", { name: "Offers, newest first" }).getByRole("listitem");
    await expect(offers.first()).toContainText("Mia Paramedic");
    await expect(offers.first()).toContainText("Why: Next nearest available (#2): 9");
    await expect(offers.nth(1)).toContainText("Declined because: Flat tyre, cannot get there");
    const timeline = coordinator.getByRole("region", { name: "Timeline" });
    await expect(
      timeline.getByRole("listitem").filter({ hasText: "Rafael Responder declined the offer" }),
    ).toContainText("Reason given: Flat tyre, cannot get there");
    await expect(
      timeline.getByRole("listitem").filter({ hasText: "Auto-dispatch offered the alert to Mia Paramedic" }),
    ).toContainText(/Why: next nearest available \(#2\): 9\d\d m/);

    await dispatch.getByRole("button", { name: "Stop auto-dispatch" }).click();
    await expect(offers.first()).toContainText("Withdrawn");
    await expect(dispatch.getByRole("button", { name: "Auto-dispatch" })).toBeVisible();
  } finally {
    await coordinatorContext.close();
    await responderContext.close();
    await closeAlert(request, alertId);
  }
});
