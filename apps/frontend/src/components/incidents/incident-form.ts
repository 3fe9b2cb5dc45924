import type { IncidentCreate, IncidentRead, IncidentUpdate, MemberRead, Severity } from "@sos/contracts";

export const TITLE_MAX = 200;
export const SUMMARY_MAX = 4000;
export const ALERTS_MAX = 100;

export interface IncidentFormValues {
  title: string;
  summary: string;
  /** "" lets the server derive it: the highest severity of the incident's alerts, or high without alerts. */
  severity: Severity | "";
  /** "" for no commander. */
  commanderId: string;
  alertIds: string[];
}

export type IncidentFormErrors = Partial<Record<"title" | "summary" | "alertIds", string>>;

export const EMPTY_INCIDENT_FORM: IncidentFormValues = {
  title: "",
  summary: "",
  severity: "",
  commanderId: "",
  alertIds: [],
};

/** The same limits the API enforces, said before the request so the person can fix them in place. */
export function validateIncidentForm(values: IncidentFormValues): IncidentFormErrors {
  const errors: IncidentFormErrors = {};
  const title = values.title.trim();
  if (!title) errors.title = "Give the incident a title, e.g. the place or what happened.";
  else if (title.length > TITLE_MAX)
    errors.title = `Keep the title to ${TITLE_MAX} characters or fewer (it has ${title.length}).`;
  const summary = values.summary.trim();
  if (summary.length > SUMMARY_MAX)
    errors.summary = `Keep the summary to ${SUMMARY_MAX} characters or fewer (it has ${summary.length}).`;
  if (values.alertIds.length > ALERTS_MAX)
    errors.alertIds = `Pick at most ${ALERTS_MAX} alerts at once (${values.alertIds.length} picked).`;
  return errors;
}

export const isValid = (errors: IncidentFormErrors): boolean => Object.keys(errors).length === 0;

export function toIncidentCreate(values: IncidentFormValues): IncidentCreate {
  const summary = values.summary.trim();
  return {
    title: values.title.trim(),
    ...(summary ? { summary } : {}),
    ...(values.severity ? { severity: values.severity } : {}),
    ...(values.commanderId ? { commander_id: values.commanderId } : {}),
    ...(values.alertIds.length ? { alert_ids: [...values.alertIds] } : {}),
  };
}

export function formFromIncident(incident: IncidentRead): IncidentFormValues {
  return {
    title: incident.title,
    summary: incident.summary ?? "",
    severity: incident.severity,
    commanderId: incident.commander_id ?? "",
    alertIds: [],
  };
}

/** Only what changed, so a PATCH never rewrites a field someone else just edited; null clears summary/commander. */
export function toIncidentUpdate(incident: IncidentRead, values: IncidentFormValues): IncidentUpdate {
  const changes: IncidentUpdate = {};
  const title = values.title.trim();
  const summary = values.summary.trim();
  if (title !== incident.title) changes.title = title;
  if (summary !== (incident.summary ?? "")) changes.summary = summary || null;
  if (values.severity && values.severity !== incident.severity) changes.severity = values.severity;
  if (values.commanderId !== (incident.commander_id ?? "")) changes.commander_id = values.commanderId || null;
  return changes;
}

const COMMAND_ROLES = new Set(["admin", "coordinator", "responder"]);
const ROLE_ORDER: Record<string, number> = { coordinator: 0, admin: 1, responder: 2 };

/** Who may command an incident: active admins, coordinators and responders, coordinators first. */
export function commanderCandidates(members: readonly MemberRead[]): MemberRead[] {
  return members
    .filter((member) => member.status === "active" && COMMAND_ROLES.has(member.role))
    .sort(
      (a, b) => (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.full_name.localeCompare(b.full_name),
    );
}
