import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  fakeApi,
  fakeGeolocation,
  json,
  makeAlert,
  makeResponder,
  ME,
  problem,
  renderWithClient,
  settle,
  signInAs,
} from "@/components/messages/test-kit";
import { useToasts } from "@/lib/toast";
import { AssignmentsView } from "./assignments-view";

const ASSIGNED = makeAlert({
  id: "01a21464-2000-7000-8000-0000000000a1",
  status: "triggered",
  severity: "high",
  category: "medical",
  lat: 52.5219,
  lon: 13.4132,
  allowed_actions: ["acknowledge"],
});
const MY_OWN_SOS = makeAlert({ id: "01a21464-2000-7000-8000-0000000000a2", reporter_id: ME, category: "fire" });
const CLOSED = makeAlert({
  id: "01a21464-2000-7000-8000-0000000000a3",
  status: "resolved",
  category: "accident",
  resolved_at: "2026-11-25T11:00:00Z",
});

type Routes = Parameters<typeof fakeApi>[0];

/**
 * The server as a responder sees it. Writes given in `overrides` that answer 2xx update what later reads return,
 * as the real server does (mutations refetch afterwards).
 */
function responderApi(overrides: Routes = {}) {
  const state = {
    open: [ASSIGNED, MY_OWN_SOS],
    profile: makeResponder({
      last_location: { lat: 52.5163, lon: 13.3777, accuracy_m: 10, recorded_at: "2026-11-25T09:58:00Z" },
    }),
  };
  const remember =
    (handler: Routes[string] | undefined, apply: (value: never) => void): Routes[string] =>
    async (request) => {
      const reply = handler ? await handler(request) : problem(404, "No fake");
      if (reply !== "network-error" && (reply.status ?? 200) < 300) apply(reply.json as never);
      return reply;
    };
  const routes: Routes = {
    "GET /api/v1/alerts": ({ search }) =>
      json({ items: search.getAll("status").includes("resolved") ? [CLOSED] : state.open }),
    "GET /api/v1/responders/me": () => json(state.profile),
    "POST /api/v1/responders/me/locations": ({ body }) => json(body, 201),
    "GET /api/v1/me/dispatch-offers": () => json([]),
  };
  for (const [route, handler] of Object.entries(overrides)) {
    if (route.startsWith("PUT /api/v1/responders/me"))
      routes[route] = remember(handler, (profile: typeof state.profile) => (state.profile = profile));
    else if (route.startsWith("POST /api/v1/alerts/"))
      routes[route] = remember(handler, (alert: typeof ASSIGNED) => {
        state.open = state.open.map((item) => (item.id === alert.id ? alert : item));
      });
    else routes[route] = handler;
  }
  return fakeApi(routes);
}

beforeEach(() => {
  signInAs("responder");
  sessionStorage.clear();
  useToasts.setState({ toasts: [] });
});

describe("AssignmentsView", () => {
  it("lists my assigned open alerts with their distance, not the SOS I raised myself", async () => {
    responderApi();
    renderWithClient(<AssignmentsView />);

    const section = await screen.findByRole("region", { name: /Open assignments/ });
    const card = await within(section).findByRole("article", { name: "Medical" });
    expect(within(section).getAllByRole("article")).toHaveLength(1);
    expect(within(section).getByRole("heading", { name: "Open assignments (1)" })).toBeInTheDocument();
    await waitFor(() => expect(card).toHaveTextContent(/2\.\d km away/));
    // Next adds the trailing slash of the static export only in a build.
    expect(within(card).getByRole("link", { name: /Open/ }).getAttribute("href")).toMatch(
      new RegExp(`^/alerts/view/?\\?id=${ASSIGNED.id}$`),
    );
    const closed = screen.getByRole("region", { name: "Recently closed" });
    expect(await within(closed).findByText("Accident")).toBeInTheDocument();
  });

  it("puts an offer waiting for my answer first and, once accepted, shows the alert among my assignments", async () => {
    const offered = makeAlert({ id: "01a21464-2000-7000-8000-0000000000a4", category: "fire", severity: "high" });
    const offer = {
      id: "01a21464-2000-7000-8000-0000000000f4",
      alert_id: offered.id,
      responder_id: ME,
      team_id: null,
      chain_id: null,
      mode: "manual",
      rank: null,
      distance_m: 640,
      eta_seconds: null,
      skills: [],
      reason: "chosen by a coordinator: 640 m away",
      status: "offered",
      offered_by_id: null,
      offered_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 60_000).toISOString(),
      decided_at: null,
      decline_reason: null,
      alert: { ...offered, status: "triggered" },
    };
    let accepted = false;
    responderApi({
      "GET /api/v1/me/dispatch-offers": () => json(accepted ? [] : [offer]),
      "GET /api/v1/alerts": ({ search }) =>
        json({ items: search.getAll("status").includes("resolved") ? [] : accepted ? [offered] : [] }),
      [`POST /api/v1/alerts/${offered.id}/dispatch/offers/${offer.id}/accept`]: () => {
        accepted = true;
        return json({ ...offer, status: "accepted" });
      },
    });
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);

    const card = await screen.findByRole("article", { name: "Fire alert offered to you" });
    expect(card.compareDocumentPosition(screen.getByRole("heading", { name: /Open assignments/ }))).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );
    await user.click(within(card).getByRole("button", { name: "Accept the fire alert" }));

    const section = screen.getByRole("region", { name: /Open assignments/ });
    expect(await within(section).findByRole("article", { name: "Fire" })).toBeInTheDocument();
    expect(screen.queryByRole("article", { name: "Fire alert offered to you" })).not.toBeInTheDocument();
    expect(within(section).getByRole("heading", { name: /Open assignments/ })).toHaveFocus();
  });

  it("offers exactly the actions the server allows and moves the alert on", async () => {
    const api = responderApi({
      [`POST /api/v1/alerts/${ASSIGNED.id}/acknowledge`]: () =>
        json({ ...ASSIGNED, status: "acknowledged", version: 2, allowed_actions: ["arrive", "resolve"] }),
    });
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);

    const card = await screen.findByRole("article", { name: "Medical" });
    expect(within(card).queryByRole("button", { name: "On scene" })).not.toBeInTheDocument();
    await user.click(within(card).getByRole("button", { name: "Acknowledge" }));

    expect(await within(card).findByRole("button", { name: "On scene" })).toBeInTheDocument();
    const [acknowledge] = api.to("POST", `/api/v1/alerts/${ASSIGNED.id}/acknowledge`);
    expect(acknowledge?.headers.get("If-Match")).toBe('"1"');
  });

  it("asks before resolving from a card", async () => {
    const onScene = { ...ASSIGNED, status: "on_scene" as const, allowed_actions: ["resolve" as const] };
    const api = responderApi({ "GET /api/v1/alerts": () => json({ items: [onScene] }) });
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);

    await user.click(await screen.findByRole("button", { name: "Resolve" }));

    expect(screen.getByRole("dialog", { name: "Resolve this alert?" })).toBeInTheDocument();
    expect(api.to("POST", `/api/v1/alerts/${ASSIGNED.id}/resolve`)).toHaveLength(0);
  });

  it("puts my availability back and explains when the server refuses the change", async () => {
    const api = responderApi({
      "PUT /api/v1/responders/me/availability": () =>
        problem(412, "The responder profile is at version 4, not 3; reload it and retry.", "precondition_failed"),
    });
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);
    const available = await screen.findByRole("radio", { name: /Available/ });
    await waitFor(() => expect(available).toBeChecked());

    await user.click(screen.getByRole("radio", { name: /Busy/ }));

    await waitFor(() => expect(useToasts.getState().toasts).toHaveLength(1));
    expect(available).toBeChecked();
    expect(screen.getByRole("radio", { name: /Busy/ })).not.toBeChecked();
    expect(useToasts.getState().toasts[0]).toMatchObject({
      tone: "error",
      title: "Your availability was not changed",
      description: expect.stringMatching(/Someone changed this record/),
    });
    expect(api.to("PUT", "/api/v1/responders/me/availability")[0]?.headers.get("If-Match")).toBe('"3"');
  });

  it("shows my new availability at once while it saves", async () => {
    let answer: (reply: ReturnType<typeof json>) => void = () => undefined;
    responderApi({
      "PUT /api/v1/responders/me/availability": () => new Promise((resolve) => (answer = resolve)),
    });
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);
    await waitFor(() => expect(screen.getByRole("radio", { name: /Available/ })).toBeChecked());

    await user.click(screen.getByRole("radio", { name: /Off duty/ }));

    expect(screen.getByRole("radio", { name: /Off duty/ })).toBeChecked();
    expect(screen.getByText("Saving…")).toBeInTheDocument();
    answer(json(makeResponder({ availability: "off_duty", version: 4 })));
    await waitFor(() => expect(screen.queryByText("Saving…")).not.toBeInTheDocument());
    expect(screen.getByRole("radio", { name: /Off duty/ })).toBeChecked();
  });

  it("shares my location at most every 15 seconds while switched on, and stops when switched off", async () => {
    const api = responderApi();
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);
    const toggle = await screen.findByRole("switch", { name: "Share my location" });

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-checked", "true");
    const posts = () => api.to("POST", "/api/v1/responders/me/locations");
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    try {
      act(() => geo.move(52.5, 13.4));
      await settle();
      expect(posts()).toHaveLength(1);

      act(() => geo.move(52.5001, 13.4001));
      act(() => vi.advanceTimersByTime(10_000));
      act(() => geo.move(52.5002, 13.4002));
      await settle();
      expect(posts()).toHaveLength(1);

      act(() => vi.advanceTimersByTime(5_000));
      await settle();
      expect(posts()).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
    expect(posts()[1]?.body).toMatchObject({ lat: 52.5002, lon: 13.4002 });

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-checked", "false");
    expect(geo.geolocation.clearWatch).toHaveBeenCalled();
  });

  it("explains a location permission denial and switches sharing off", async () => {
    responderApi();
    const geo = fakeGeolocation();
    const user = userEvent.setup();
    renderWithClient(<AssignmentsView />);
    const toggle = await screen.findByRole("switch", { name: "Share my location" });

    await user.click(toggle);
    act(() => geo.failWatch(1));

    expect(await screen.findByText("Location access is blocked")).toBeInTheDocument();
    expect(screen.getByText(/set Location to Allow/)).toBeInTheDocument();
    expect(toggle).toHaveAttribute("aria-checked", "false");
  });
});
