import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AppRouterContext, type AppRouterInstance } from "next/dist/shared/lib/app-router-context.shared-runtime";
import type { ReactElement } from "react";
import { vi } from "vitest";
import { fakeApi, json, renderWithClient } from "@/components/messages/test-kit";
import { GeoMap } from "./geo-map";
import type { MapPoint, MapTrail } from "./map-types";

const router: AppRouterInstance = {
  back: vi.fn(),
  forward: vi.fn(),
  refresh: vi.fn(),
  push: vi.fn(),
  replace: vi.fn(),
  prefetch: vi.fn(),
};

const renderMap = (ui: ReactElement) =>
  renderWithClient(<AppRouterContext.Provider value={router}>{ui}</AppRouterContext.Provider>);

const POINT: MapPoint = {
  id: "alert-1",
  lat: 52.52,
  lon: 13.405,
  accuracyM: 12,
  label: "Critical medical alert",
  detail: "On scene",
  tone: "critical",
  href: "/alerts/view/?id=alert-1",
  hrefLabel: "Open the alert",
};

const TRAIL: MapTrail = {
  id: "trail-1",
  label: "Movement trail",
  fixes: [
    { lat: 52.5, lon: 13.4, recordedAt: "2026-11-25T20:00:00Z", accuracyM: 30 },
    { lat: 52.51, lon: 13.41, recordedAt: "2026-11-25T20:05:00Z", accuracyM: null },
  ],
};

beforeEach(() => {
  fakeApi({ "GET /console-config.json": () => json({ mapTileUrl: "", mapTileAttribution: "" }) });
});

it("names the map by what it shows", () => {
  renderMap(<GeoMap label="Map of the alert's position and trail" points={[POINT]} />);
  expect(screen.getByRole("region", { name: "Map of the alert's position and trail" })).toBeInTheDocument();
});

it("lists every position as text next to the map", async () => {
  renderMap(<GeoMap label="Map" points={[POINT]} trails={[TRAIL]} />);
  const user = userEvent.setup({ delay: null });
  await user.click(screen.getByText("Positions on this map as a list (3)"));
  const point = screen.getByText("Critical medical alert").closest("li")!;
  expect(point).toHaveTextContent("Critical medical alert · On scene · 52.5200, 13.4050 (±12 m)");
  expect(within(point).getByRole("link", { name: "Open the alert" })).toBeInTheDocument();
  expect(screen.getByText("Movement trail: 2 fixes, oldest first")).toBeInTheDocument();
  expect(screen.getByText("52.5000, 13.4000")).toBeInTheDocument();
  expect(screen.getByText("52.5100, 13.4100")).toBeInTheDocument();
});

it("says when there is nothing to show", () => {
  renderMap(<GeoMap label="Map" points={[]} emptyText="This incident has no alerts to show." />);
  expect(screen.getByText("This incident has no alerts to show.")).toBeInTheDocument();
  expect(screen.getByText("Positions on this map as a list (0)")).toBeInTheDocument();
});

it("explains the blank background when no tile server is configured", async () => {
  renderMap(<GeoMap label="Map" points={[POINT]} />);
  expect(await screen.findByText(/No base map is configured/)).toBeInTheDocument();
});

it("drops the blank-background note once a tile server is configured", async () => {
  fakeApi({
    "GET /console-config.json": () =>
      json({ mapTileUrl: "https://tiles.example.org/{z}/{x}/{y}.png", mapTileAttribution: "© Example" }),
  });
  renderMap(<GeoMap label="Map" points={[POINT]} />);
  await waitFor(() => expect(screen.queryByText(/No base map is configured/)).not.toBeInTheDocument());
  expect(screen.getByText(/arrow keys to pan/)).toBeInTheDocument();
});
