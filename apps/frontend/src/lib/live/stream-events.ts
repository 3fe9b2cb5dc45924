import { z } from "zod";
import type { LiveTopic } from "./live-source";

/**
 * The events of `GET /api/v1/stream`, checked as they arrive: a malformed
 * event is dropped, never half-applied. Unknown topics (from a newer server) are ignored.
 */
export const LIVE_TOPICS = [
  "alerts",
  "alert",
  "incidents",
  "incident",
  "messages",
  "timeline",
  "locations",
  "assignments",
  "responders",
  "notifications",
  "directory",
] as const satisfies readonly LiveTopic[];

const isLiveTopic = (topic: string): topic is LiveTopic => (LIVE_TOPICS as readonly string[]).includes(topic);

const optionalId = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

export const readySchema = z.object({
  cursor: z.string().nullable(),
  heartbeat_seconds: z.number().positive(),
  expires_at: z.string().nullish(),
});

export const changeSchema = z.object({
  id: z.string(),
  type: z.string(),
  topics: z.array(z.string()).transform((topics) => topics.filter(isLiveTopic)),
  aggregate_type: z.string(),
  aggregate_id: z.string(),
  alert_id: optionalId,
  incident_id: optionalId,
  occurred_at: z.string(),
  data: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((data) => data ?? {}),
});

export const resyncSchema = z.object({ reason: z.string() });
export const unavailableSchema = z.object({ retry_after: z.number().nonnegative().nullish() });

/** The `data` of `responder.location_recorded` and `alert.location_recorded` changes. */
export const locationDataSchema = z.object({
  user_id: z.string().optional(),
  alert_id: z.string().optional(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracy_m: z.number().nonnegative().nullish(),
  recorded_at: z.string(),
});

export type ReadyEvent = z.infer<typeof readySchema>;
export type ChangeEvent = z.infer<typeof changeSchema>;
export type LocationData = z.infer<typeof locationDataSchema>;

/** Parses a `data:` field as JSON and checks it, or returns null. */
export function parseEventData<T>(schema: z.ZodType<T>, data: string): T | null {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const result = schema.safeParse(json);
  return result.success ? result.data : null;
}
