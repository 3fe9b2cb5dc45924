import { onlineManager } from "@tanstack/react-query";
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  fakeApi,
  fakeGeolocation,
  json,
  makeAlert,
  ME,
  problem,
  renderWithClient,
  signInAs,
} from "@/components/messages/test-kit";
import { useToasts } from "@/lib/toast";
import { SosView } from "./sos-view";

const ALERT_ID = "01a21464-2000-7000-8000-00000000000f";

/** A reporter with no alerts yet; `raise` decides what POST /alerts answers, call by call. */
function reporterApi(raise: Array<Parameters<typeof fakeApi>[0][string]>) {
  let raised: ReturnType<typeof makeAlert> | null = null;
  let attempt = 0;
  return fakeApi({
    "GET /api/v1/alerts": () => json({ items: raised ? [raised] : [], next_cursor: null }),
    "POST /api/v1/alerts": async (request) => {
      const handler = raise[Math.min(attempt++, raise.length - 1)];
      const reply = handler ? await handler(request) : problem(500, "No more answers");
      if (reply !== "network-error" && reply.status === 201) raised = (reply.json as typeof raised) ?? null;
      return reply;
    },
    [`GET /api/v1/alerts/${ALERT_ID}`]: () => (raised ? json(raised) : problem(404, "No alert")),
    [`GET /api/v1/alerts/${ALERT_ID}/messages`]: () => json({ items: [] }),
    [`GET /api/v1/alerts/${ALERT_ID}/assignments`]: () => json([]),
  });
}

const created = () =>
  json(makeAlert({ id: ALERT_ID, reporter_id: ME, category: "fire", allowed_actions: ["cancel"] }), 201);

async function pressAndConfirm(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: /SOS/ }));
  await user.click(screen.getByRole("button", { name: "Yes, send SOS" }));
}

beforeEach(() => {
  signInAs("reporter");
  sessionStorage.clear();
  useToasts.setState({ toasts: [] });
});

afterEach(() => {
  onlineManager.setOnline(true);
});

describe("SosView", () => {
  it("sends nothing on a single click of the SOS button", async () => {
    const api = reporterApi([created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);

    await user.click(await screen.findByRole("button", { name: /SOS/ }));

    expect(screen.getByRole("dialog", { name: "Send an SOS now?" })).toBeInTheDocument();
    expect(geo.geolocation.getCurrentPosition).not.toHaveBeenCalled();
    expect(api.to("POST", "/api/v1/alerts")).toHaveLength(0);
  });

  it("raises the alert with my location and chosen category, then shows its live status", async () => {
    const api = reporterApi([created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);

    await user.click(await screen.findByRole("radio", { name: "Fire" }));
    await pressAndConfirm(user);
    expect(await screen.findByText(/Finding your location/)).toBeInTheDocument();
    act(() => geo.resolveCurrent(52.5, 13.4));

    const heading = await screen.findByRole("heading", { name: "Help has been alerted" });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByText(/Waiting for a coordinator/)).toBeInTheDocument();
    const [post] = api.to("POST", "/api/v1/alerts");
    expect(post?.body).toMatchObject({ category: "fire", source: "web", location: { lat: 52.5, lon: 13.4 } });
    expect(post?.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(sessionStorage.getItem("sos.pending-sos")).toBeNull();
    expect(screen.getByRole("button", { name: "Cancel my alert" })).toBeInTheDocument();
  });

  it("retries with the same idempotency key when the network comes back, creating one alert", async () => {
    const api = reporterApi([() => "network-error", created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);

    await pressAndConfirm(user);
    act(() => geo.resolveCurrent(52.5, 13.4));

    expect(await screen.findByText(/Will send when back online/)).toBeInTheDocument();
    expect(screen.getByText(/call your local emergency number/)).toBeInTheDocument();
    expect(JSON.parse(sessionStorage.getItem("sos.pending-sos") ?? "{}")).toHaveProperty("idempotencyKey");

    act(() => onlineManager.setOnline(false));
    act(() => onlineManager.setOnline(true));

    expect(await screen.findByRole("heading", { name: "Help has been alerted" })).toBeInTheDocument();
    const posts = api.to("POST", "/api/v1/alerts");
    expect(posts).toHaveLength(2);
    expect(posts[1]?.headers.get("Idempotency-Key")).toBe(posts[0]?.headers.get("Idempotency-Key"));
    expect(geo.geolocation.getCurrentPosition).toHaveBeenCalledTimes(1);
    expect(sessionStorage.getItem("sos.pending-sos")).toBeNull();
  });

  it("says at once that it will send when back online if the device is offline, and then does", async () => {
    const api = reporterApi([created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);
    await screen.findByRole("button", { name: /SOS/ });
    act(() => onlineManager.setOnline(false));

    await pressAndConfirm(user);
    act(() => geo.resolveCurrent(52.5, 13.4));

    expect(await screen.findByText(/Will send when back online/)).toBeInTheDocument();
    expect(api.to("POST", "/api/v1/alerts")).toHaveLength(0);

    act(() => onlineManager.setOnline(true));

    expect(await screen.findByRole("heading", { name: "Help has been alerted" })).toBeInTheDocument();
    expect(api.to("POST", "/api/v1/alerts")).toHaveLength(1);
  });

  it("reuses the key when SOS is pressed again before the server confirmed", async () => {
    const api = reporterApi([() => "network-error", created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);

    await pressAndConfirm(user);
    act(() => geo.resolveCurrent(52.5, 13.4));
    await screen.findByText(/could not be sent yet/);
    await pressAndConfirm(user);

    await screen.findByRole("heading", { name: "Help has been alerted" });
    const [first, second] = api.to("POST", "/api/v1/alerts");
    expect(second?.headers.get("Idempotency-Key")).toBe(first?.headers.get("Idempotency-Key"));
  });

  it("explains a blocked location and how to allow it, and sends nothing", async () => {
    const api = reporterApi([created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);

    await pressAndConfirm(user);
    act(() => geo.failCurrent(1));

    expect(await screen.findByText(/Your SOS was not sent: location access is blocked/)).toBeInTheDocument();
    expect(screen.getByText(/set Location to Allow/)).toBeInTheDocument();
    expect(screen.getByText(/call your local emergency number/)).toBeInTheDocument();
    expect(api.to("POST", "/api/v1/alerts")).toHaveLength(0);
    expect(sessionStorage.getItem("sos.pending-sos")).toBeNull();
  });

  it("explains a location that cannot be found in time", async () => {
    reporterApi([created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);

    await pressAndConfirm(user);
    act(() => geo.failCurrent(3));

    expect(await screen.findByText(/finding your location took too long/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it("asks before cancelling my alert", async () => {
    const api = reporterApi([created]);
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<SosView />);
    await pressAndConfirm(user);
    act(() => geo.resolveCurrent(52.5, 13.4));

    await user.click(await screen.findByRole("button", { name: "Cancel my alert" }));

    expect(screen.getByRole("dialog", { name: "Cancel your alert?" })).toBeInTheDocument();
    expect(api.to("POST", `/api/v1/alerts/${ALERT_ID}/cancel`)).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Keep my alert" }));
    expect(api.to("POST", `/api/v1/alerts/${ALERT_ID}/cancel`)).toHaveLength(0);
  });
});
