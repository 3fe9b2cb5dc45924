import type { AlertRead, LocationRead, PageAlertRead, PageResponderRead, ResponderRead } from "@sos/contracts";
import type { Query, QueryClient, QueryKey } from "@tanstack/react-query";
import { keys } from "@/lib/queries/keys";
import type { LiveTopic } from "./live-source";
import { LIVE_TOPICS, locationDataSchema, type ChangeEvent, type LocationData } from "./stream-events";

/**
 * How the stream keeps the React Query cache true: which cached queries an event touches, and the events whose
 * content can be written into the cache directly (location fixes) instead of refetching.
 *
 * The registry of topics is the query cache itself: `useLiveQuery` stores each query's topic in its `meta`, so a
 * query is registered for exactly as long as it is cached (also while no screen shows it, so it is marked stale and
 * refetched when it is shown again), and the registry is restored with the cache persisted for offline use.
 */
export interface LiveQueryMeta extends Record<string, unknown> {
  liveTopic: LiveTopic;
}

export const liveMeta = (topic: LiveTopic): LiveQueryMeta => ({ liveTopic: topic });

export function topicOf(query: Query): LiveTopic | undefined {
  const topic = query.meta?.liveTopic;
  return typeof topic === "string" && (LIVE_TOPICS as readonly string[]).includes(topic)
    ? (topic as LiveTopic)
    : undefined;
}

/**
 * The one alert or incident a query is about, when its key says so: the element after "detail"
 * (`["alerts", "detail", id, "timeline"]`). Lists and everything else are about no single thing.
 */
export function scopeOf(queryKey: QueryKey): string | undefined {
  const index = queryKey.indexOf("detail");
  const scope = index === -1 ? undefined : queryKey[index + 1];
  return typeof scope === "string" ? scope : undefined;
}

/** Whether a change concerns a query of one of its topics: lists always, a detail only when it is the same thing. */
function concerns(change: ChangeEvent, query: Query, topics: ReadonlySet<LiveTopic>): boolean {
  const topic = topicOf(query);
  if (!topic || !topics.has(topic)) return false;
  const scope = scopeOf(query.queryKey);
  return (
    scope === undefined || scope === change.alert_id || scope === change.incident_id || scope === change.aggregate_id
  );
}

/** Marks stale, in one pass, the queries the changes concern (each by its own topics), so each refetches once. */
export function invalidateChanges(client: QueryClient, changes: readonly ChangeEvent[]): void {
  const wanted = changes
    .filter((change) => change.topics.length > 0)
    .map((change) => ({ change, topics: new Set<LiveTopic>(change.topics) }));
  if (wanted.length === 0) return;
  void client.invalidateQueries({
    predicate: (query) => wanted.some(({ change, topics }) => concerns(change, query, topics)),
  });
}

/** Only the timeline queries of the alert or incident the change is about (and timeline lists, if any). */
export function invalidateTimeline(client: QueryClient, changes: readonly ChangeEvent[]): void {
  const only = new Set<LiveTopic>(["timeline"]);
  void client.invalidateQueries({ predicate: (query) => changes.some((change) => concerns(change, query, only)) });
}

/** Marks every live query stale; the ones on screen refetch at once. */
export function invalidateAll(client: QueryClient): void {
  void client.invalidateQueries({ predicate: (query) => topicOf(query) !== undefined });
}

/** Marks stale the live queries whose data is not newer than `since` (fetched before the stream could tell us). */
export function invalidateFetchedBefore(client: QueryClient, since: number): void {
  void client.invalidateQueries({
    predicate: (query) => topicOf(query) !== undefined && query.state.dataUpdatedAt <= since,
  });
}

// Location fixes -----------------------------------------------------------------------------------------------

/** How many points of an alert's trail the console keeps (the same limit its query asks the API for). */
export const TRAIL_LIMIT = 200;

const isNewer = (recordedAt: string, than: string | undefined | null): boolean =>
  !than || Date.parse(recordedAt) >= Date.parse(than);

const asFix = (data: LocationData): LocationRead => ({
  lat: data.lat,
  lon: data.lon,
  accuracy_m: data.accuracy_m ?? null,
  recorded_at: data.recorded_at,
});

/** Writes `update(old)` into every cached query matching `queryKey` where it changes something. */
function patchQueries<T>(client: QueryClient, queryKey: QueryKey, update: (data: T) => T): void {
  for (const [key, data] of client.getQueriesData<T>({ queryKey })) {
    if (data === undefined) continue;
    const next = update(data);
    if (next !== data) client.setQueryData<T>(key, next);
  }
}

function movedResponder(responder: ResponderRead, userId: string, fix: LocationRead): ResponderRead {
  if (responder.user_id !== userId || !isNewer(fix.recorded_at, responder.last_location?.recorded_at)) return responder;
  return { ...responder, last_location: fix };
}

function movedAlert(alert: AlertRead, alertId: string, fix: LocationRead): AlertRead {
  if (alert.id !== alertId || !isNewer(fix.recorded_at, alert.located_at)) return alert;
  return { ...alert, lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m, located_at: fix.recorded_at };
}

function mapItems<T, P extends { items: T[] }>(page: P, move: (item: T) => T): P {
  let changed = false;
  const items = page.items.map((item) => {
    const next = move(item);
    changed ||= next !== item;
    return next;
  });
  return changed ? { ...page, items } : page;
}

/** The trail with `fix` in time order, once, keeping the newest TRAIL_LIMIT points. */
export function withFix(trail: readonly LocationRead[], fix: LocationRead): LocationRead[] {
  const same = trail.some(
    (point) => point.recorded_at === fix.recorded_at && point.lat === fix.lat && point.lon === fix.lon,
  );
  if (same) return trail as LocationRead[];
  const time = Date.parse(fix.recorded_at);
  let index = trail.length;
  while (index > 0 && Date.parse(trail[index - 1]?.recorded_at ?? "") > time) index -= 1;
  const next = [...trail.slice(0, index), fix, ...trail.slice(index)];
  return next.length > TRAIL_LIMIT ? next.slice(next.length - TRAIL_LIMIT) : next;
}

export function applyResponderLocation(client: QueryClient, userId: string, fix: LocationRead): void {
  patchQueries<PageResponderRead>(client, [...keys.responders.all, "list"], (page) =>
    mapItems(page, (responder: ResponderRead) => movedResponder(responder, userId, fix)),
  );
  patchQueries<ResponderRead>(client, keys.responders.me, (responder) => movedResponder(responder, userId, fix));
}

export function applyAlertLocation(client: QueryClient, alertId: string, fix: LocationRead): void {
  patchQueries<LocationRead[]>(client, keys.alerts.locations(alertId), (trail) => withFix(trail, fix));
  patchQueries<AlertRead>(client, keys.alerts.detail(alertId), (alert) => movedAlert(alert, alertId, fix));
  patchQueries<PageAlertRead>(client, [...keys.alerts.all, "list"], (page) =>
    mapItems(page, (alert: AlertRead) => movedAlert(alert, alertId, fix)),
  );
}

/**
 * Applies a location change to the cache and returns the topics it took care of (so they are not refetched), or
 * null when the change is not a location fix the console can apply.
 */
export function applyLocationChange(client: QueryClient, change: ChangeEvent): ReadonlySet<LiveTopic> | null {
  if (change.type !== "responder.location_recorded" && change.type !== "alert.location_recorded") return null;
  const parsed = locationDataSchema.safeParse(change.data);
  if (!parsed.success) return null;
  const fix = asFix(parsed.data);
  if (change.type === "responder.location_recorded") {
    const userId = parsed.data.user_id;
    if (!userId) return null;
    applyResponderLocation(client, userId, fix);
    return new Set<LiveTopic>(["locations", "responders"]);
  }
  const alertId = parsed.data.alert_id ?? change.alert_id ?? change.aggregate_id;
  applyAlertLocation(client, alertId, fix);
  return new Set<LiveTopic>(["locations", "alert", "alerts"]);
}
