import type { IncidentRead, MemberRead } from "@sos/contracts";
import {
  commanderCandidates,
  EMPTY_INCIDENT_FORM,
  formFromIncident,
  toIncidentCreate,
  toIncidentUpdate,
  validateIncidentForm,
} from "./incident-form";

const incident: IncidentRead = {
  id: "01a21464-e6d3-735a-97a3-03a34cd845c2",
  organization_id: "01a21464-e447-7f41-a758-76c3939d66d5",
  title: "Friedrichshain riverside",
  summary: "Two calls near the Oberbaum Bridge.",
  severity: "critical",
  status: "open",
  commander_id: "01a21464-e5df-7719-84ff-9c4dd2835022",
  created_by_id: "01a21464-e5df-7719-84ff-9c4dd2835022",
  created_at: "2026-11-25T20:28:06Z",
  updated_at: "2026-11-25T20:28:06Z",
  resolved_at: null,
  version: 3,
  alert_ids: [],
  allowed_actions: ["resolve"],
};

describe("validateIncidentForm", () => {
  it("asks for a title", () => {
    expect(validateIncidentForm({ ...EMPTY_INCIDENT_FORM, title: "   " }).title).toMatch(/give the incident a title/i);
  });

  it("refuses a title longer than the API accepts, saying how long it is", () => {
    expect(validateIncidentForm({ ...EMPTY_INCIDENT_FORM, title: "x".repeat(201) }).title).toBe(
      "Keep the title to 200 characters or fewer (it has 201).",
    );
  });

  it("refuses a summary over 4000 characters", () => {
    expect(validateIncidentForm({ ...EMPTY_INCIDENT_FORM, title: "Fire", summary: "y".repeat(4001) }).summary).toMatch(
      /4000 characters/,
    );
  });

  it("refuses more than 100 alerts at once", () => {
    const alertIds = Array.from({ length: 101 }, (_, index) => `alert-${index}`);
    expect(validateIncidentForm({ ...EMPTY_INCIDENT_FORM, title: "Flood", alertIds }).alertIds).toMatch(/at most 100/);
  });

  it("accepts a title alone", () => {
    expect(validateIncidentForm({ ...EMPTY_INCIDENT_FORM, title: "Fire at Alexanderplatz" })).toEqual({});
  });
});

describe("toIncidentCreate", () => {
  it("sends only what was filled in, trimmed", () => {
    expect(toIncidentCreate({ ...EMPTY_INCIDENT_FORM, title: "  Fire  " })).toEqual({ title: "Fire" });
  });

  it("sends severity, commander, summary and alerts when given", () => {
    expect(
      toIncidentCreate({
        title: "Flood",
        summary: " Rising water ",
        severity: "high",
        commanderId: "cora",
        alertIds: ["a1", "a2"],
      }),
    ).toEqual({ title: "Flood", summary: "Rising water", severity: "high", commander_id: "cora", alert_ids: ["a1", "a2"] });
  });
});

describe("toIncidentUpdate", () => {
  it("is empty when nothing changed", () => {
    expect(toIncidentUpdate(incident, formFromIncident(incident))).toEqual({});
  });

  it("sends only the changed fields", () => {
    expect(toIncidentUpdate(incident, { ...formFromIncident(incident), severity: "high", title: "Riverside" })).toEqual({
      severity: "high",
      title: "Riverside",
    });
  });

  it("clears the commander and the summary with null", () => {
    expect(toIncidentUpdate(incident, { ...formFromIncident(incident), commanderId: "", summary: " " })).toEqual({
      commander_id: null,
      summary: null,
    });
  });
});

describe("commanderCandidates", () => {
  const member = (id: string, role: MemberRead["role"], status: MemberRead["status"], full_name: string): MemberRead => ({
    id,
    organization_id: incident.organization_id,
    email: `${id}@demo.sos.test`,
    full_name,
    phone: null,
    role,
    status,
    created_at: incident.created_at,
    updated_at: incident.created_at,
    deactivated_at: null,
    invitation_expires_at: null,
    last_login_at: null,
    version: 1,
  });

  it("offers active coordinators, admins and responders, coordinators first", () => {
    const candidates = commanderCandidates([
      member("r", "responder", "active", "Rafael Responder"),
      member("x", "reporter", "active", "Rita Reporter"),
      member("a", "admin", "active", "Ada Admin"),
      member("d", "coordinator", "deactivated", "Dora Former"),
      member("c", "coordinator", "active", "Cora Coordinator"),
      member("i", "responder", "invited", "Ivan Invited"),
    ]);
    expect(candidates.map((candidate) => candidate.id)).toEqual(["c", "a", "r"]);
  });
});
