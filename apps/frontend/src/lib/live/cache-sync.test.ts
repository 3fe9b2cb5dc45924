import type { AlertRead, LocationRead, PageResponderRead, ResponderRead } from "@sos/contracts";
import { describe, expect, it } from "vitest";
import { makeAlert, makeResponder } from "@/components/messages/test-kit";
import { keys } from "@/lib/queries/keys";
import {
  applyLocationChange,
  invalidateAll,
  invalidateChanges,
  invalidateFetchedBefore,
  scopeOf,
  TRAIL_LIMIT,
  withFix,
} from "./cache-sync";
import { changeSchema, type ChangeEvent } from "./stream-events";
import { ALERT_A, ALERT_B, change, clientWith, invalidated, RESPONDER } from "./test-kit";

const asChange = (overrides: Record<string, unknown> = {}): ChangeEvent => changeSchema.parse(change(overrides));

const fix = (minute: number, lat = 52.5): LocationRead => ({
  lat,
  lon: 13.4,
  accuracy_m: 10,
  recorded_at: `2026-11-25T10:${String(minute).padStart(2, "0")}:00Z`,
});

describe("scopeOf", () => {
  it("finds the alert or incident a detail query is about", () => {
    expect(scopeOf(keys.alerts.timeline(ALERT_A))).toBe(ALERT_A);
    expect(scopeOf(keys.incidents.detail("incident-1"))).toBe("incident-1");
  });

  it("finds no single thing in a list", () => {
    expect(scopeOf(keys.alerts.list({ status: ["triggered"] }))).toBeUndefined();
  });
});

describe("invalidateChanges", () => {
  it("marks stale the lists of the change's topics", () => {
    const client = clientWith([
      { key: keys.alerts.list({}), topic: "alerts", data: { items: [] } },
      { key: keys.incidents.list({}), topic: "incidents", data: { items: [] } },
    ]);
    invalidateChanges(client, [asChange({ topics: ["alerts"] })]);
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
    expect(invalidated(client, keys.incidents.list({}))).toBe(false);
  });

  it("marks stale only the detail queries of the alert the change is about", () => {
    const client = clientWith([
      { key: keys.alerts.detail(ALERT_A), topic: "alert", data: makeAlert({ id: ALERT_A }) },
      { key: keys.alerts.detail(ALERT_B), topic: "alert", data: makeAlert({ id: ALERT_B }) },
      { key: keys.alerts.timeline(ALERT_A), topic: "timeline", data: { items: [] } },
      { key: keys.alerts.timeline(ALERT_B), topic: "timeline", data: { items: [] } },
    ]);
    invalidateChanges(client, [asChange({ topics: ["alert", "timeline"] })]);
    expect(invalidated(client, keys.alerts.detail(ALERT_A))).toBe(true);
    expect(invalidated(client, keys.alerts.timeline(ALERT_A))).toBe(true);
    expect(invalidated(client, keys.alerts.detail(ALERT_B))).toBe(false);
    expect(invalidated(client, keys.alerts.timeline(ALERT_B))).toBe(false);
  });

  it("reaches the incident an alert belongs to", () => {
    const client = clientWith([{ key: keys.incidents.timeline("incident-1"), topic: "timeline", data: {} }]);
    invalidateChanges(client, [asChange({ incident_id: "incident-1", topics: ["timeline"] })]);
    expect(invalidated(client, keys.incidents.timeline("incident-1"))).toBe(true);
  });

  it("leaves alone queries that no live query registered", () => {
    const client = clientWith([]);
    client.setQueryData(keys.alerts.list({}), { items: [] });
    invalidateChanges(client, [asChange({ topics: ["alerts"] })]);
    expect(invalidated(client, keys.alerts.list({}))).toBe(false);
  });
});

describe("invalidateAll and invalidateFetchedBefore", () => {
  it("invalidateAll marks every live query stale", () => {
    const client = clientWith([
      { key: keys.alerts.list({}), topic: "alerts", data: { items: [] } },
      { key: keys.teams.list, topic: "directory", data: [] },
    ]);
    invalidateAll(client);
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
    expect(invalidated(client, keys.teams.list)).toBe(true);
  });

  it("invalidateFetchedBefore spares data fetched after the given time", () => {
    const client = clientWith([{ key: keys.alerts.list({}), topic: "alerts", data: { items: [] } }]);
    const fetchedAt = client.getQueryState(keys.alerts.list({}))?.dataUpdatedAt ?? 0;
    invalidateFetchedBefore(client, fetchedAt - 1);
    expect(invalidated(client, keys.alerts.list({}))).toBe(false);
    invalidateFetchedBefore(client, fetchedAt);
    expect(invalidated(client, keys.alerts.list({}))).toBe(true);
  });
});

describe("withFix", () => {
  it("inserts a fix in time order", () => {
    expect(withFix([fix(1), fix(3)], fix(2)).map((point) => point.recorded_at)).toEqual([
      fix(1).recorded_at,
      fix(2).recorded_at,
      fix(3).recorded_at,
    ]);
  });

  it("keeps a trail unchanged when it already has the fix", () => {
    const trail = [fix(1)];
    expect(withFix(trail, fix(1))).toBe(trail);
  });

  it("keeps the newest points up to the trail limit", () => {
    const trail = Array.from({ length: TRAIL_LIMIT }, (_, minute) => fix(0, 50 + minute / 1000));
    const next = withFix(trail, fix(5));
    expect(next).toHaveLength(TRAIL_LIMIT);
    expect(next.at(-1)).toEqual(fix(5));
  });
});

describe("applyLocationChange", () => {
  const responderFix = (recordedAt: string) =>
    asChange({
      type: "responder.location_recorded",
      topics: ["locations", "responders"],
      aggregate_type: "responder",
      aggregate_id: "profile-1",
      alert_id: null,
      data: { user_id: RESPONDER, lat: 48.1, lon: 11.6, accuracy_m: 25, recorded_at: recordedAt },
    });

  it("moves a responder in every cached responder list and names the topics it took care of", () => {
    const responder = makeResponder({ user_id: RESPONDER, last_location: fix(0) });
    const other = makeResponder({ user_id: "someone-else", last_location: fix(0) });
    const client = clientWith([
      { key: keys.responders.list({}), topic: "responders", data: { items: [responder, other], next_cursor: null } },
    ]);
    const handled = applyLocationChange(client, responderFix("2026-11-25T10:05:00Z"));
    const page = client.getQueryData<PageResponderRead>(keys.responders.list({}));
    expect(page?.items[0]?.last_location).toEqual({
      lat: 48.1,
      lon: 11.6,
      accuracy_m: 25,
      recorded_at: "2026-11-25T10:05:00Z",
    });
    expect(page?.items[1]).toBe(other);
    expect([...(handled ?? [])].sort()).toEqual(["locations", "responders"]);
  });

  it("keeps a newer position than a fix that arrives late", () => {
    const responder = makeResponder({ user_id: RESPONDER, last_location: fix(10) });
    const client = clientWith([
      { key: keys.responders.list({}), topic: "responders", data: { items: [responder], next_cursor: null } },
    ]);
    applyLocationChange(client, responderFix("2026-11-25T10:05:00Z"));
    expect(client.getQueryData<PageResponderRead>(keys.responders.list({}))?.items[0]).toBe(responder);
  });

  it("moves the responder's own profile", () => {
    const client = clientWith([
      { key: keys.responders.me, topic: "responders", data: makeResponder({ user_id: RESPONDER }) },
    ]);
    applyLocationChange(client, responderFix("2026-11-25T10:05:00Z"));
    expect(client.getQueryData<ResponderRead>(keys.responders.me)?.last_location?.lat).toBe(48.1);
  });

  it("adds an alert fix to its trail and moves the alert in its detail and in lists", () => {
    const alert = makeAlert({ id: ALERT_A, located_at: fix(0).recorded_at });
    const client = clientWith([
      { key: keys.alerts.locations(ALERT_A), topic: "locations", data: [fix(0)] },
      { key: keys.alerts.detail(ALERT_A), topic: "alert", data: alert },
      { key: keys.alerts.list({}), topic: "alerts", data: { items: [alert], next_cursor: null } },
    ]);
    const handled = applyLocationChange(
      client,
      asChange({
        type: "alert.location_recorded",
        topics: ["locations", "alert"],
        data: { alert_id: ALERT_A, lat: 52.6, lon: 13.5, accuracy_m: null, recorded_at: fix(2).recorded_at },
      }),
    );
    expect(client.getQueryData<LocationRead[]>(keys.alerts.locations(ALERT_A))).toHaveLength(2);
    expect(client.getQueryData<AlertRead>(keys.alerts.detail(ALERT_A))).toMatchObject({ lat: 52.6, lon: 13.5 });
    expect(client.getQueryData<{ items: AlertRead[] }>(keys.alerts.list({}))?.items[0]).toMatchObject({
      lat: 52.6,
      located_at: fix(2).recorded_at,
    });
    expect(handled?.has("locations")).toBe(true);
  });

  it("does not take other changes for location fixes", () => {
    expect(applyLocationChange(clientWith([]), asChange())).toBeNull();
  });

  it("does not apply a location change whose data is malformed", () => {
    expect(
      applyLocationChange(
        clientWith([]),
        asChange({ type: "alert.location_recorded", data: { lat: "north", lon: 13, recorded_at: "x" } }),
      ),
    ).toBeNull();
  });
});
