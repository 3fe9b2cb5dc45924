"use client";

import type { MemberRead, Severity } from "@sos/contracts";
import { severity as severityTokens } from "@sos/design-system";
import { useMemo } from "react";
import { SEVERITIES } from "@/components/alerts/inbox-model";
import { Input, Select, Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ROLE_LABEL } from "@/lib/roles";
import { commanderCandidates, TITLE_MAX, type IncidentFormErrors, type IncidentFormValues } from "./incident-form";

const describedBy = (id: string, hint: boolean, error: string | undefined) =>
  [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;

/** Title, severity, summary and commander: the fields shared by opening and editing an incident. */
export function IncidentFields({
  idPrefix,
  values,
  errors,
  onChange,
  members,
  membersState,
  severityOptional,
}: {
  idPrefix: string;
  values: IncidentFormValues;
  errors: IncidentFormErrors;
  onChange: (patch: Partial<IncidentFormValues>) => void;
  members: readonly MemberRead[] | undefined;
  /** How the member list is doing, shown as the commander field's hint. */
  membersState: "loading" | "error" | "ready";
  /** When opening: severity may be left to the server (highest of the alerts). */
  severityOptional: boolean;
}) {
  const candidates = useMemo(() => commanderCandidates(members ?? []), [members]);
  const ids = {
    title: `${idPrefix}-title`,
    severity: `${idPrefix}-severity`,
    summary: `${idPrefix}-summary`,
    commander: `${idPrefix}-commander`,
  };
  const commanderHint =
    membersState === "loading"
      ? "Loading the people who can command…"
      : membersState === "error"
        ? "The member list could not be loaded; you can set a commander later."
        : "An active coordinator, administrator or responder.";
  // The current commander stays selectable even if they are no longer a candidate (e.g. deactivated).
  const keepCurrent = values.commanderId && !candidates.some((member) => member.id === values.commanderId);
  return (
    <>
      <Field id={ids.title} label="Title" error={errors.title} hint="Where or what, e.g. “Fire at Alexanderplatz”.">
        <Input
          id={ids.title}
          value={values.title}
          required
          aria-invalid={Boolean(errors.title)}
          aria-describedby={describedBy(ids.title, true, errors.title)}
          maxLength={TITLE_MAX + 50}
          onChange={(event) => onChange({ title: event.target.value })}
        />
      </Field>
      <Field
        id={ids.severity}
        label="Severity"
        {...(severityOptional ? { hint: "Left unset, it is the highest severity of its alerts (high without alerts)." } : {})}
      >
        <Select
          id={ids.severity}
          value={values.severity}
          aria-describedby={describedBy(ids.severity, severityOptional, undefined)}
          onChange={(event) => onChange({ severity: event.target.value as Severity | "" })}
        >
          {severityOptional ? <option value="">From its alerts</option> : null}
          {SEVERITIES.map((severity) => (
            <option key={severity} value={severity}>
              {severityTokens[severity].label}
            </option>
          ))}
        </Select>
      </Field>
      <Field id={ids.commander} label="Commander" hint={commanderHint}>
        <Select
          id={ids.commander}
          value={values.commanderId}
          aria-describedby={describedBy(ids.commander, true, undefined)}
          onChange={(event) => onChange({ commanderId: event.target.value })}
        >
          <option value="">No commander yet</option>
          {keepCurrent ? <option value={values.commanderId}>Current commander (not in the list)</option> : null}
          {candidates.map((member) => (
            <option key={member.id} value={member.id}>
              {member.full_name} — {ROLE_LABEL[member.role]}
            </option>
          ))}
        </Select>
      </Field>
      <Field id={ids.summary} label="Summary (optional)" error={errors.summary} hint="What is known, what is being done.">
        <Textarea
          id={ids.summary}
          value={values.summary}
          rows={3}
          aria-invalid={Boolean(errors.summary)}
          aria-describedby={describedBy(ids.summary, true, errors.summary)}
          onChange={(event) => onChange({ summary: event.target.value })}
        />
      </Field>
    </>
  );
}
