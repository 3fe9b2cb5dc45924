import type { AlertRead } from "@sos/contracts";
import { act, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  fakeApi,
  fakeGeolocation,
  json,
  makeAlert,
  ME,
  renderWithClient,
  settle,
  signInAs,
} from "@/components/messages/test-kit";
import { TRAIL_INTERVAL_MS, useAlertTrail } from "./use-alert-trail";

function Harness({ alert }: { alert: AlertRead }) {
  const trail = useAlertTrail(alert);
  return <p>{trail.kind}</p>;
}

const ALERT = makeAlert({ reporter_id: ME, status: "acknowledged" });
const TRAIL = `/api/v1/alerts/${ALERT.id}/locations`;

function setVisibility(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  act(() => {
    document.dispatchEvent(new Event("visibilitychange"));
  });
}

beforeEach(() => {
  signInAs("reporter");
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
});

afterEach(() => {
  vi.useRealTimers();
  setVisibility("visible");
});

describe("useAlertTrail", () => {
  it("adds my position to the open alert's trail every 20 seconds", async () => {
    const api = fakeApi({ [`POST ${TRAIL}`]: ({ body }) => json(body, 201) });
    const geo = fakeGeolocation();
    renderWithClient(<Harness alert={ALERT} />);

    act(() => vi.advanceTimersByTime(TRAIL_INTERVAL_MS - 1));
    expect(geo.geolocation.getCurrentPosition).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    act(() => geo.resolveCurrent(52.5, 13.4));
    await settle();

    expect(api.to("POST", TRAIL)).toHaveLength(1);
    expect(api.to("POST", TRAIL)[0]?.body).toMatchObject({ lat: 52.5, lon: 13.4 });
    expect(screen.getByText("sent")).toBeInTheDocument();

    act(() => vi.advanceTimersByTime(TRAIL_INTERVAL_MS));
    act(() => geo.resolveCurrent(52.501, 13.401));
    await settle();
    expect(api.to("POST", TRAIL)).toHaveLength(2);
  });

  it("pauses while the page is hidden", async () => {
    fakeApi({ [`POST ${TRAIL}`]: ({ body }) => json(body, 201) });
    const geo = fakeGeolocation();
    renderWithClient(<Harness alert={ALERT} />);

    setVisibility("hidden");
    act(() => vi.advanceTimersByTime(TRAIL_INTERVAL_MS * 3));
    expect(geo.geolocation.getCurrentPosition).not.toHaveBeenCalled();

    setVisibility("visible");
    act(() => vi.advanceTimersByTime(TRAIL_INTERVAL_MS));
    expect(geo.geolocation.getCurrentPosition).toHaveBeenCalledTimes(1);
  });

  it("does nothing for a closed alert", () => {
    fakeApi({});
    const geo = fakeGeolocation();
    renderWithClient(<Harness alert={{ ...ALERT, status: "resolved" }} />);

    act(() => vi.advanceTimersByTime(TRAIL_INTERVAL_MS * 3));

    expect(geo.geolocation.getCurrentPosition).not.toHaveBeenCalled();
  });

  it("says when the location cannot be read", async () => {
    fakeApi({});
    const geo = fakeGeolocation();
    renderWithClient(<Harness alert={ALERT} />);

    act(() => vi.advanceTimersByTime(TRAIL_INTERVAL_MS));
    act(() => geo.failCurrent(2));
    await settle();

    expect(screen.getByText("location-failed")).toBeInTheDocument();
  });
});
