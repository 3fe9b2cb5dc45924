import type { TimelineEntryRead } from "@sos/contracts";
import { describeEntry, humanizeKind, type TimelineContext } from "./timeline-model";

const MIA = "01a21464-0000-7000-8000-00000000a001";
const TEAM = "01a21464-0000-7000-8000-00000000t001";
const INCIDENT = "01a21464-0000-7000-8000-00000000i001";

const context: TimelineContext = {
  nameOf: (id, fallback = "Another member") => (id === MIA ? "Mia Paramedic" : id ? fallback : "System"),
  teamName: (id) => (id === TEAM ? "Kreuzberg Medical" : undefined),
  incidentTitle: (id) => (id === INCIDENT ? "Friedrichshain riverside" : undefined),
};

const entry = (kind: string, data: Record<string, unknown> = {}): TimelineEntryRead => ({
  id: "01a21464-0000-7000-8000-00000000e001",
  kind,
  occurred_at: "2026-11-25T20:28:06Z",
  actor_id: MIA,
  alert_id: "01a21464-0000-7000-8000-00000000a0a1",
  incident_id: null,
  data,
});

describe("describeEntry", () => {
  it("names the raised SOS with its severity, category and note", () => {
    expect(
      describeEntry(
        entry("alert.triggered", { severity: "critical", category: "medical", note: "Man collapsed" }),
        context,
      ),
    ).toEqual({ title: "SOS raised: Critical medical", tone: "raised", detail: "Man collapsed" });
  });

  it("reads alert.raised the same way as alert.triggered", () => {
    expect(describeEntry(entry("alert.raised", { severity: "low", category: "other" }), context).title).toBe(
      "SOS raised: Low other",
    );
  });

  it("says what each status change means and keeps its note", () => {
    expect(describeEntry(entry("alert.acknowledged", { note: null }), context)).toEqual({
      title: "Acknowledged",
      tone: "progress",
    });
    expect(describeEntry(entry("alert.dispatched", { note: "Two units" }), context)).toEqual({
      title: "Dispatched: responders en route",
      tone: "progress",
      detail: "Note: Two units",
    });
    expect(describeEntry(entry("alert.on_scene"), context).title).toBe("Responders on scene");
    expect(describeEntry(entry("alert.resolved"), context).tone).toBe("closed");
  });

  it("names the responders and teams an alert was assigned to", () => {
    expect(describeEntry(entry("alert.assigned", { responder_ids: [MIA], team_ids: [TEAM] }), context).title).toBe(
      "Assigned Mia Paramedic and team Kreuzberg Medical",
    );
  });

  it("says when escalation made an assignment", () => {
    expect(describeEntry(entry("alert.assigned", { responder_ids: [MIA], escalation_id: TEAM }), context).title).toBe(
      "Assigned Mia Paramedic by escalation",
    );
  });

  it("names the tier and the people an escalation step notified", () => {
    expect(describeEntry(entry("alert.escalated", { tier: 1, cycle: 0, user_ids: [MIA] }), context)).toEqual({
      title: "Escalated to tier 2",
      tone: "escalation",
      detail: "Notified Mia Paramedic",
    });
  });

  it("counts the repeats of an escalation policy", () => {
    expect(describeEntry(entry("alert.escalated", { tier: 0, cycle: 2, user_ids: [] }), context)).toEqual({
      title: "Escalated to tier 1, repeat 2",
      tone: "escalation",
      detail: "Nobody could be reached at this tier",
    });
  });

  it("warns loudly when an escalation runs out", () => {
    expect(describeEntry(entry("alert.escalation_exhausted"), context).tone).toBe("raised");
  });

  it("says why an escalation stopped", () => {
    expect(describeEntry(entry("alert.escalation_stopped", { reason: "acknowledged" }), context)).toEqual({
      title: "Escalation stopped",
      tone: "escalation",
      detail: "Acknowledged",
    });
  });

  it("names who an in-app notification reached", () => {
    expect(describeEntry(entry("notification.delivered", { user_id: MIA, channel: "in_app" }), context).title).toBe(
      "Notified Mia Paramedic in the app",
    );
  });

  it("says which provider sent an SMS, to the masked number", () => {
    expect(
      describeEntry(
        entry("notification.sent", {
          channel: "sms",
          address: "+491…23",
          provider: "twilio",
          provider_message_id: "SM123",
          bundle_size: 1,
          purpose: "page",
        }),
        context,
      ),
    ).toEqual({ title: "SMS to +491…23 sent via twilio", tone: "people" });
  });

  it("says an email was delivered", () => {
    expect(
      describeEntry(
        entry("notification.delivered", { channel: "email", address: "r…@example.org", provider: "smtp" }),
        context,
      ).title,
    ).toBe("Email to r…@example.org delivered");
  });

  it("says why a push failed, as a warning", () => {
    expect(
      describeEntry(
        entry("notification.failed", {
          channel: "web_push",
          address: "Chrome on Linux",
          provider: "webpush",
          error: "The subscription has expired",
        }),
        context,
      ),
    ).toEqual({ title: "Push to Chrome on Linux failed: The subscription has expired", tone: "raised" });
  });

  it("names a voice call", () => {
    expect(
      describeEntry(entry("notification.sent", { channel: "voice", address: "+491…23", provider: "twilio" }), context)
        .title,
    ).toBe("Voice call to +491…23 sent via twilio");
  });

  it("counts the alerts a bundled message covered", () => {
    expect(
      describeEntry(
        entry("notification.sent", { channel: "sms", address: "+491…23", provider: "twilio", bundle_size: 3 }),
        context,
      ).detail,
    ).toBe("3 alerts in one message");
  });

  it("names the member a message went to", () => {
    expect(
      describeEntry(
        entry("notification.delivered", { channel: "slack", address: "Slack webhook …/abcd", user_id: MIA }),
        context,
      ),
    ).toEqual({
      title: "Slack message to Slack webhook …/abcd delivered",
      tone: "people",
      detail: "For Mia Paramedic",
    });
  });

  it("explains an SOS raised by a missed check-in", () => {
    expect(describeEntry(entry("checkin.expired", { note: "Walking home" }), context)).toEqual({
      title: "Missed check-in raised this SOS",
      tone: "raised",
      detail: "Check-in: Walking home",
    });
  });

  it("falls back to a role word for people the reader cannot see", () => {
    expect(
      describeEntry(entry("alert.assigned", { responder_ids: ["01a21464-0000-7000-8000-0000000000ff"] }), context)
        .title,
    ).toBe("Assigned a responder");
  });

  it("names who was unassigned", () => {
    expect(describeEntry(entry("alert.unassigned", { responder_id: null, team_id: TEAM }), context).title).toBe(
      "Unassigned team Kreuzberg Medical",
    );
  });

  it("shows a posted message's text", () => {
    expect(describeEntry(entry("message.posted", { body: "Ambulance two minutes out" }), context)).toEqual({
      title: "Message posted",
      tone: "message",
      detail: "Ambulance two minutes out",
    });
  });

  it("tells adding to an incident from moving between incidents", () => {
    expect(describeEntry(entry("alert.merged", { incident_id: INCIDENT, from_incident_id: null }), context).title).toBe(
      "Added to incident “Friedrichshain riverside”",
    );
    expect(
      describeEntry(entry("alert.merged", { incident_id: INCIDENT, from_incident_id: "someplace" }), context).title,
    ).toBe("Moved to incident “Friedrichshain riverside”");
  });

  it("lists which incident fields changed and the new commander", () => {
    expect(
      describeEntry(entry("incident.updated", { changes: { severity: "critical", commander_id: MIA } }), context),
    ).toEqual({
      title: "Incident severity and commander changed",
      tone: "incident",
      detail: "Severity: Critical · Commander: Mia Paramedic",
    });
  });

  it("summarises an opened incident", () => {
    expect(
      describeEntry(entry("incident.opened", { title: "Riverside", severity: "high", alert_ids: ["a", "b"] }), context),
    ).toEqual({ title: "Incident opened: Riverside", tone: "incident", detail: "Severity high · 2 alerts" });
  });

  it("says whom dispatch offered the alert to, and why", () => {
    expect(
      describeEntry(
        entry("alert.offer_made", {
          responder_id: MIA,
          mode: "auto",
          rank: 1,
          reason: "nearest available: 420 m, skill first_aid",
          timeout_seconds: 60,
        }),
        context,
      ),
    ).toEqual({
      title: "Auto-dispatch offered the alert to Mia Paramedic",
      tone: "people",
      detail: "Why: nearest available: 420 m, skill first_aid · 60 s to answer",
    });
    expect(
      describeEntry(
        entry("alert.offer_made", { responder_id: MIA, mode: "manual", reason: "chosen by a coordinator" }),
        context,
      ).title,
    ).toBe("Offered the alert to Mia Paramedic");
  });

  it("says who accepted an offer, with the reason they were chosen", () => {
    expect(
      describeEntry(entry("alert.offer_accepted", { responder_id: MIA, reason: "nearest available: 420 m" }), context),
    ).toEqual({ title: "Mia Paramedic accepted the offer", tone: "people", detail: "Why: nearest available: 420 m" });
  });

  it("keeps the reason a responder gave for declining", () => {
    expect(
      describeEntry(entry("alert.offer_declined", { responder_id: MIA, decline_reason: "Car broke down" }), context),
    ).toEqual({
      title: "Mia Paramedic declined the offer",
      tone: "escalation",
      detail: "Reason given: Car broke down",
    });
  });

  it("says an unanswered auto-dispatch offer moves on", () => {
    expect(describeEntry(entry("alert.offer_expired", { responder_id: MIA, mode: "auto" }), context)).toEqual({
      title: "The offer to Mia Paramedic expired unanswered",
      tone: "escalation",
      detail: "No answer in time; the auto-dispatch tries the next-nearest responder left.",
    });
  });

  it("says why an offer was withdrawn", () => {
    expect(
      describeEntry(entry("alert.offer_withdrawn", { responder_id: MIA, withdrawal_reason: "stopped" }), context),
    ).toEqual({
      title: "The offer to Mia Paramedic was withdrawn",
      tone: "other",
      detail: "Auto-dispatch was stopped",
    });
  });

  it("speaks to the reader about their own offer", () => {
    const mine: TimelineContext = { ...context, nameOf: (id) => (id === MIA ? "You" : "System") };
    expect(describeEntry(entry("alert.offer_made", { responder_id: MIA }), mine).title).toBe(
      "Offered the alert to you",
    );
    expect(describeEntry(entry("alert.offer_accepted", { responder_id: MIA }), mine).title).toBe(
      "You accepted the offer",
    );
  });

  it("warns loudly when auto-dispatch runs out, with its reason", () => {
    expect(
      describeEntry(entry("alert.dispatch_exhausted", { reason: "nobody accepted the 3 offers allowed" }), context),
    ).toEqual({
      title: "Auto-dispatch ran out: nobody accepted",
      tone: "raised",
      detail: "Nobody accepted the 3 offers allowed. Someone must be assigned by hand now.",
    });
  });

  it("still reads an event kind it does not know", () => {
    expect(describeEntry(entry("responder.availability_changed"), context)).toEqual({
      title: "Responder availability changed",
      tone: "other",
    });
  });
});

describe("humanizeKind", () => {
  it("turns dots and underscores into words", () => {
    expect(humanizeKind("incident.alerts_moved_out")).toBe("Incident alerts moved out");
  });
});
