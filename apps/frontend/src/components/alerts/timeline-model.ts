import type { Category, Severity, TimelineEntryRead } from "@sos/contracts";
import { severity as severityTokens } from "@sos/design-system";
import { CATEGORY_LABEL, excerpt } from "./format";

export type EntryTone = "raised" | "progress" | "closed" | "people" | "message" | "incident" | "escalation" | "other";

export interface DescribedEntry {
  title: string;
  detail?: string;
  tone: EntryTone;
}

export interface TimelineContext {
  nameOf: (id: string | null | undefined, fallback?: string) => string;
  teamName: (id: string) => string | undefined;
  incidentTitle?: (id: string) => string | undefined;
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);
const ids = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];

const SEVERITIES = new Set<string>(["low", "medium", "high", "critical"]);
const severityLabel = (value: unknown): string | undefined =>
  typeof value === "string" && SEVERITIES.has(value) ? severityTokens[value as Severity].label : undefined;
const categoryLabel = (value: unknown): string | undefined =>
  typeof value === "string" && value in CATEGORY_LABEL ? CATEGORY_LABEL[value as Category] : undefined;

const TRANSITION_TITLES: Record<string, { title: string; tone: EntryTone }> = {
  "alert.acknowledged": { title: "Acknowledged", tone: "progress" },
  "alert.dispatched": { title: "Dispatched: responders en route", tone: "progress" },
  "alert.on_scene": { title: "Responders on scene", tone: "progress" },
  "alert.resolved": { title: "Resolved", tone: "closed" },
  "alert.cancelled": { title: "Cancelled", tone: "closed" },
  "alert.reopened": { title: "Reopened", tone: "raised" },
  "incident.resolved": { title: "Incident resolved", tone: "closed" },
  "incident.reopened": { title: "Incident reopened", tone: "incident" },
};

const FIELD_LABEL: Record<string, string> = {
  title: "title",
  summary: "summary",
  severity: "severity",
  commander_id: "commander",
};

function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function assignees(data: Record<string, unknown>, context: TimelineContext): string[] {
  const responders = [
    ...ids(data.responder_ids),
    ...(str(data.responder_id) ? [str(data.responder_id) as string] : []),
  ];
  const teams = [...ids(data.team_ids), ...(str(data.team_id) ? [str(data.team_id) as string] : [])];
  return [
    ...responders.map((id) => context.nameOf(id, "a responder")),
    ...teams.map((id) => {
      const name = context.teamName(id);
      return name ? `team ${name}` : "a team";
    }),
  ];
}

function incidentName(id: string | undefined, context: TimelineContext): string {
  const title = id ? context.incidentTitle?.(id) : undefined;
  return title ? `“${title}”` : "an incident";
}

/** Says what a timeline entry means, in the words of the people who work the alert. */
export function describeEntry(entry: TimelineEntryRead, context: TimelineContext): DescribedEntry {
  const data = entry.data;
  const note = str(data.note);
  const transition = TRANSITION_TITLES[entry.kind];
  if (transition) return { ...transition, ...(note ? { detail: `Note: ${note}` } : {}) };

  switch (entry.kind) {
    case "alert.triggered":
    case "alert.raised": {
      const what = [severityLabel(data.severity), categoryLabel(data.category)?.toLowerCase()]
        .filter(Boolean)
        .join(" ");
      return { title: what ? `SOS raised: ${what}` : "SOS raised", tone: "raised", ...(note ? { detail: note } : {}) };
    }
    case "alert.assigned": {
      const names = assignees(data, context);
      const by = str(data.escalation_id) ? " by escalation" : "";
      return { title: names.length ? `Assigned ${joinNames(names)}${by}` : "Assignment changed", tone: "people" };
    }
    case "alert.escalation_started":
      return { title: "Escalation started", tone: "escalation", ...reasonDetail(data) };
    case "alert.escalated":
      return escalationStep(data, context);
    case "alert.escalation_stopped":
      return { title: "Escalation stopped", tone: "escalation", ...reasonDetail(data) };
    case "alert.escalation_exhausted":
      return {
        title: "Escalation ran out: nobody acknowledged",
        tone: "raised",
        detail: "Every tier was notified as often as the policy allows. Someone must take this alert now.",
      };
    case "notification.sent":
    case "notification.delivered":
    case "notification.failed":
      return describeNotification(entry.kind, data, context);
    case "alert.offer_made":
    case "alert.offer_accepted":
    case "alert.offer_declined":
    case "alert.offer_expired":
    case "alert.offer_withdrawn":
      return describeOffer(entry.kind, data, context);
    case "alert.dispatch_exhausted": {
      const reason = str(data.reason);
      return {
        title: "Auto-dispatch ran out: nobody accepted",
        tone: "raised",
        detail: `${reason ? `${sentenceCase(reason)}. ` : ""}Someone must be assigned by hand now.`,
      };
    }
    case "checkin.expired":
      return {
        title: "Missed check-in raised this SOS",
        tone: "raised",
        ...(note ? { detail: `Check-in: ${note}` } : {}),
      };
    case "alert.unassigned": {
      const names = assignees(data, context);
      return { title: names.length ? `Unassigned ${joinNames(names)}` : "Assignment removed", tone: "people" };
    }
    case "alert.merged": {
      const into = incidentName(str(data.incident_id), context);
      return {
        title: str(data.from_incident_id) ? `Moved to incident ${into}` : `Added to incident ${into}`,
        tone: "incident",
      };
    }
    case "message.posted":
      return { title: "Message posted", tone: "message", detail: excerpt(str(data.body), 200) };
    case "incident.opened": {
      const title = str(data.title);
      const count = ids(data.alert_ids).length;
      const severity = severityLabel(data.severity);
      const parts = [
        severity ? `Severity ${severity.toLowerCase()}` : null,
        count ? `${count} alert${count === 1 ? "" : "s"}` : null,
      ];
      const detail = parts.filter(Boolean).join(" · ");
      return {
        title: title ? `Incident opened: ${title}` : "Incident opened",
        tone: "incident",
        ...(detail ? { detail } : {}),
      };
    }
    case "incident.updated": {
      const changes =
        typeof data.changes === "object" && data.changes !== null ? (data.changes as Record<string, unknown>) : {};
      const fields = Object.keys(changes).map((field) => FIELD_LABEL[field] ?? field.replaceAll("_", " "));
      const details: string[] = [];
      if ("title" in changes && str(changes.title)) details.push(`Title: ${str(changes.title)}`);
      if ("severity" in changes && severityLabel(changes.severity))
        details.push(`Severity: ${severityLabel(changes.severity)}`);
      if ("commander_id" in changes)
        details.push(
          `Commander: ${changes.commander_id ? context.nameOf(str(changes.commander_id), "another member") : "none"}`,
        );
      return {
        title: fields.length ? `Incident ${joinNames(fields)} changed` : "Incident updated",
        tone: "incident",
        ...(details.length ? { detail: details.join(" · ") } : {}),
      };
    }
    case "incident.alerts_moved_out": {
      const count = ids(data.alert_ids).length;
      return {
        title: `${count || "Some"} alert${count === 1 ? "" : "s"} moved to ${incidentName(str(data.to_incident_id), context)}`,
        tone: "incident",
      };
    }
    default:
      return { title: humanizeKind(entry.kind), tone: "other", ...(note ? { detail: `Note: ${note}` } : {}) };
  }
}

const CHANNEL_NOUN: Record<string, string> = {
  email: "Email",
  sms: "SMS",
  voice: "Voice call",
  web_push: "Push",
  fcm: "Push",
  apns: "Push",
  slack: "Slack message",
  teams: "Teams message",
  mattermost: "Mattermost message",
  in_app: "In-app notification",
};

const PURPOSE_DETAIL: Record<string, string> = {
  test: "A test message",
  verification: "A verification code",
};

/** "SMS to +491…23 sent via twilio", "Email to r…@example.org delivered", "Push to Chrome on Linux failed: …". */
function describeNotification(kind: string, data: Record<string, unknown>, context: TimelineContext): DescribedEntry {
  const channel = str(data.channel);
  const address = str(data.address);
  const userId = str(data.user_id);
  const outcome = kind.slice("notification.".length);
  if (!address && (channel === undefined || channel === "in_app")) {
    const who = context.nameOf(userId, "a member");
    if (outcome === "delivered") return { title: `Notified ${who} in the app`, tone: "people" };
    return {
      title: `In-app notification to ${who} ${outcome}${outcome === "failed" && str(data.error) ? `: ${str(data.error)}` : ""}`,
      tone: outcome === "failed" ? "raised" : "people",
    };
  }
  const noun = (channel && CHANNEL_NOUN[channel]) ?? "Notification";
  const to = address ?? (userId ? context.nameOf(userId, "a member") : undefined);
  const provider = str(data.provider);
  const error = str(data.error);
  const title = [to ? `${noun} to ${to}` : noun, outcome, outcome === "sent" && provider ? `via ${provider}` : null]
    .filter(Boolean)
    .join(" ");
  const details = [
    userId && address ? `For ${context.nameOf(userId, "a member")}` : null,
    typeof data.bundle_size === "number" && data.bundle_size > 1 ? `${data.bundle_size} alerts in one message` : null,
    PURPOSE_DETAIL[str(data.purpose) ?? ""] ?? null,
  ].filter(Boolean);
  return {
    title: outcome === "failed" && error ? `${title}: ${error}` : title,
    tone: outcome === "failed" ? "raised" : "people",
    ...(details.length ? { detail: details.join(" · ") } : {}),
  };
}

const sentenceCase = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const WITHDRAWN_BECAUSE: Record<string, string> = {
  stopped: "Auto-dispatch was stopped",
  acknowledged: "Someone else acknowledged the alert",
  resolved: "The alert was resolved",
  cancelled: "The alert was cancelled",
};

/**
 * A dispatch offer's step, with the reason the responder was chosen ("Nearest available: 420 m, skill first_aid"):
 * every dispatch decision is on the timeline with why it was made.
 */
function describeOffer(kind: string, data: Record<string, unknown>, context: TimelineContext): DescribedEntry {
  const name = context.nameOf(str(data.responder_id), "a responder");
  // "You" starts a sentence; inside one it reads "you".
  const who = name === "You" ? "you" : name;
  const auto = data.mode === "auto";
  const reason = str(data.reason);
  const why = reason ? `Why: ${reason}` : undefined;
  switch (kind) {
    case "alert.offer_made": {
      const wait = typeof data.timeout_seconds === "number" ? `${data.timeout_seconds} s to answer` : undefined;
      const detail = [why, wait].filter(Boolean).join(" · ");
      return {
        title: `${auto ? "Auto-dispatch offered" : "Offered"} the alert to ${who}`,
        tone: "people",
        ...(detail ? { detail } : {}),
      };
    }
    case "alert.offer_accepted":
      return { title: `${sentenceCase(who)} accepted the offer`, tone: "people", ...(why ? { detail: why } : {}) };
    case "alert.offer_declined": {
      const said = str(data.decline_reason);
      return {
        title: `${sentenceCase(who)} declined the offer`,
        tone: "escalation",
        ...(said ? { detail: `Reason given: ${said}` } : {}),
      };
    }
    case "alert.offer_expired":
      return {
        title: `The offer to ${who} expired unanswered`,
        tone: "escalation",
        detail: auto
          ? "No answer in time; the auto-dispatch tries the next-nearest responder left."
          : "No answer in time.",
      };
    default: {
      const because = WITHDRAWN_BECAUSE[str(data.withdrawal_reason) ?? ""];
      return { title: `The offer to ${who} was withdrawn`, tone: "other", ...(because ? { detail: because } : {}) };
    }
  }
}

function reasonDetail(data: Record<string, unknown>): { detail?: string } {
  const reason = str(data.reason);
  return reason ? { detail: humanizeKind(reason) } : {};
}

function escalationStep(data: Record<string, unknown>, context: TimelineContext): DescribedEntry {
  const tier = typeof data.tier === "number" ? data.tier + 1 : undefined;
  const cycle = typeof data.cycle === "number" && data.cycle > 0 ? `, repeat ${data.cycle}` : "";
  const names = ids(data.user_ids).map((id) => context.nameOf(id, "a member"));
  return {
    title: tier ? `Escalated to tier ${tier}${cycle}` : "Escalated",
    tone: "escalation",
    detail: names.length ? `Notified ${joinNames(names)}` : "Nobody could be reached at this tier",
  };
}

/** "responder.availability_changed" → "Responder availability changed": readable even for kinds added later. */
export function humanizeKind(kind: string): string {
  const words = kind.replaceAll(".", " ").replaceAll("_", " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
