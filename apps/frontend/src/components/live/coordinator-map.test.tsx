import type { LocationRead } from "@sos/contracts";
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AppRouterContext, type AppRouterInstance } from "next/dist/shared/lib/app-router-context.shared-runtime";
import { describe, expect, it, vi } from "vitest";
import { fakeApi, json, makeAlert, makeResponder, renderWithClient } from "@/components/messages/test-kit";
import { applyLocationChange } from "@/lib/live/cache-sync";
import { changeSchema } from "@/lib/live/stream-events";
import { change } from "@/lib/live/test-kit";
import { useResponders } from "@/lib/queries/responders";
import { alertMapPoints, alertMapTrails, CoordinatorMap, formatLastSeen, responderMapPoints } from "./coordinator-map";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const ALERT = makeAlert({
  id: "01a21464-2000-7000-8000-0000000000aa",
  lat: 52.52,
  lon: 13.405,
  accuracy_m: 15,
  located_at: "2026-11-25T09:59:30Z",
});
const RESPONDER = makeResponder({
  user_id: "01a21464-0000-7000-8000-0000000000c1",
  full_name: "Rafael Responder",
  last_location: { lat: 52.5, lon: 13.4, accuracy_m: 20, recorded_at: "2026-11-25T09:58:00Z" },
});
const TRAIL: LocationRead[] = [
  { lat: 52.51, lon: 13.4, accuracy_m: 30, recorded_at: "2026-11-25T09:58:00Z" },
  { lat: 52.52, lon: 13.405, accuracy_m: 15, recorded_at: "2026-11-25T09:59:30Z" },
];

describe("formatLastSeen", () => {
  it("counts seconds while a fix is recent, then minutes", () => {
    expect(formatLastSeen("2026-11-25T09:59:58Z", NOW)).toBe("last seen just now");
    expect(formatLastSeen("2026-11-25T09:59:20Z", NOW)).toBe("last seen 40 s ago");
    expect(formatLastSeen("2026-11-25T09:57:00Z", NOW)).toBe("last seen 3 min ago");
  });
});

describe("map points", () => {
  it("shows a responder with accuracy and when they were last seen", () => {
    expect(responderMapPoints([RESPONDER], NOW)).toEqual([
      expect.objectContaining({
        id: `responder:${RESPONDER.user_id}`,
        lat: 52.5,
        accuracyM: 20,
        label: "Rafael Responder (available)",
        detail: "Last seen 2 min ago · first aid",
      }),
    ]);
  });

  it("leaves out a responder who never reported a position", () => {
    expect(responderMapPoints([makeResponder({ last_location: null })], NOW)).toEqual([]);
  });

  it("shows an open alert where the person in danger was last seen, linked to its page", () => {
    expect(alertMapPoints([ALERT], NOW)[0]).toMatchObject({
      id: `alert:${ALERT.id}`,
      accuracyM: 15,
      label: "Critical medical alert",
      detail: "Triggered · last seen 30 s ago",
      tone: "critical",
      href: `/alerts/view/?id=${ALERT.id}`,
    });
  });

  it("draws a trail only where there is a movement to show", () => {
    expect(alertMapTrails([ALERT], new Map([[ALERT.id, TRAIL]]))[0]?.fixes).toHaveLength(2);
    expect(alertMapTrails([ALERT], new Map([[ALERT.id, TRAIL.slice(0, 1)]]))).toEqual([]);
  });
});

const router: AppRouterInstance = {
  back: vi.fn(),
  forward: vi.fn(),
  refresh: vi.fn(),
  push: vi.fn(),
  replace: vi.fn(),
  prefetch: vi.fn(),
};

/** The responders page's use of the map: the responder list it already has, and the open alerts it fetches. */
function Board() {
  const responders = useResponders();
  return <CoordinatorMap responders={responders.data?.items ?? []} />;
}

function renderBoard() {
  const api = fakeApi({
    "GET /console-config.json": () => json({ mapTileUrl: "", mapTileAttribution: "" }),
    "GET /api/v1/responders": () => json({ items: [RESPONDER], next_cursor: null }),
    "GET /api/v1/alerts": () => json({ items: [ALERT], next_cursor: null }),
    [`GET /api/v1/alerts/${ALERT.id}/locations`]: () => json(TRAIL),
  });
  const rendered = renderWithClient(
    <AppRouterContext.Provider value={router}>
      <Board />
    </AppRouterContext.Provider>,
  );
  return { api, ...rendered };
}

const located = (overrides: Record<string, unknown>) => changeSchema.parse(change(overrides));

describe("CoordinatorMap", () => {
  it("lists open alerts, their trails and responders as text under the map", async () => {
    renderBoard();
    await userEvent.setup().click(await screen.findByText(/Positions on this map as a list/));
    expect(await screen.findByText("Critical medical alert")).toBeInTheDocument();
    expect(screen.getByText("Rafael Responder (available)")).toBeInTheDocument();
    expect(await screen.findByText("Trail of the critical medical alert: 2 fixes, oldest first")).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Live map of 1 open alert and 1 responder" })).toBeInTheDocument();
  });

  it("moves a responder when the stream reports a fix, without fetching the list again", async () => {
    const { api, client } = renderBoard();
    await userEvent.setup().click(await screen.findByText(/Positions on this map as a list/));
    await screen.findByText("Rafael Responder (available)");
    const fetched = api.to("GET", "/api/v1/responders").length;
    act(() => {
      applyLocationChange(
        client,
        located({
          type: "responder.location_recorded",
          topics: ["responders", "locations"],
          alert_id: null,
          data: {
            user_id: RESPONDER.user_id,
            lat: 52.53,
            lon: 13.41,
            accuracy_m: 6,
            recorded_at: new Date().toISOString(),
          },
        }),
      );
    });
    const item = screen.getByText("Rafael Responder (available)").closest("li");
    await waitFor(() => expect(item).toHaveTextContent("52.5300, 13.4100 (±6 m)"));
    expect(item).toHaveTextContent("Last seen just now");
    expect(api.to("GET", "/api/v1/responders")).toHaveLength(fetched);
  });

  it("extends the trail of the person in danger as fixes arrive", async () => {
    const { client } = renderBoard();
    await userEvent.setup().click(await screen.findByText(/Positions on this map as a list/));
    await screen.findByText("Trail of the critical medical alert: 2 fixes, oldest first");
    act(() => {
      applyLocationChange(
        client,
        located({
          type: "alert.location_recorded",
          topics: ["alert", "locations"],
          alert_id: ALERT.id,
          aggregate_id: ALERT.id,
          data: { lat: 52.525, lon: 13.41, accuracy_m: 9, recorded_at: new Date().toISOString() },
        }),
      );
    });
    expect(await screen.findByText("Trail of the critical medical alert: 3 fixes, oldest first")).toBeInTheDocument();
    expect(screen.getByText("Critical medical alert").closest("li")).toHaveTextContent("52.5250, 13.4100");
  });
});
