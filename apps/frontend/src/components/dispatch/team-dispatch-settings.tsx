"use client";

import type { DispatchMode, DispatchSettingsRead, TeamRead } from "@sos/contracts";
import { Save, Undo2 } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { fieldErrorsOf, type FieldErrors } from "@/components/admin/field-errors";
import { describedBy } from "@/components/admin/member-form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { QueryBody } from "@/components/ui/states";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { usePutTeamDispatchSettings, useTeamDispatchSettings } from "@/lib/queries/dispatch";
import { notify, notifyError } from "@/lib/toast";
import { differs, draftOf, LIMITS, readDraft, type SettingsDraft } from "./settings-model";

const MODES: ReadonlyArray<{ mode: DispatchMode; label: string; detail: string }> = [
  {
    mode: "suggest",
    label: "Suggest",
    detail: "Coordinators see the team's available members ranked nearest first and choose whom to offer an alert.",
  },
  {
    mode: "auto",
    label: "Auto-assign",
    detail:
      "Assigning the team offers the alert to its nearest available member; if they do not accept in time, the next-nearest gets it.",
  },
];

function SettingsForm({ team, settings }: { team: TeamRead; settings: DispatchSettingsRead }) {
  const id = useId();
  const save = usePutTeamDispatchSettings(team.id);
  // The settings a draft started from; null while nothing is edited (the form then follows the server).
  const [base, setBase] = useState<DispatchSettingsRead | null>(null);
  const [draft, setDraft] = useState<SettingsDraft | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  const from = base ?? settings;
  const shown = draft ?? draftOf(settings);
  const dirty = draft !== null && differs(draft, from);
  const overtaken = dirty && settings.version !== from.version;

  const edit = (field: keyof SettingsDraft, value: string) => {
    setDraft({ ...shown, [field]: value });
    if (!base) setBase(settings);
    setErrors((current) => ({ ...current, [field]: undefined }));
    setFormError(null);
  };

  const discard = () => {
    setBase(null);
    setDraft(null);
    setErrors({});
    setFormError(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!dirty) return;
    const read = readDraft(shown);
    setErrors(read.errors);
    if (!read.settings) {
      setFormError("Some settings are not valid: see the messages next to them.");
      return;
    }
    save.mutate(
      { version: from.version, settings: read.settings },
      {
        onSuccess: () => {
          notify({ tone: "success", title: `Dispatch settings of ${team.name} saved` });
          discard();
        },
        onError: (error) => {
          const fields = fieldErrorsOf(error);
          setErrors(fields);
          if (Object.values(fields).some(Boolean)) {
            setFormError("Some settings are not valid: see the messages next to them.");
            return;
          }
          setFormError(error instanceof ApiProblem ? describeProblem(error) : "Saving failed. Try again.");
          notifyError(`Could not save the dispatch settings of ${team.name}`, error);
        },
      },
    );
  };

  const numberField = (
    field: "offer_timeout_seconds" | "max_offers" | "radius_km",
    label: string,
    hint: string,
    props: { min: number; max: number; step: number | "any" },
  ) => (
    <Field id={`${id}-${field}`} label={label} hint={hint} error={errors[field]}>
      <Input
        id={`${id}-${field}`}
        type="number"
        inputMode={props.step === "any" ? "decimal" : "numeric"}
        required
        {...props}
        value={shown[field]}
        onChange={(event) => edit(field, event.target.value)}
        aria-invalid={Boolean(errors[field])}
        aria-describedby={describedBy(`${id}-${field}`, { hint: true, error: errors[field] })}
      />
    </Field>
  );

  return (
    <form noValidate onSubmit={submit} aria-labelledby={`${id}-title`} className="flex flex-col gap-md">
      <h3 id={`${id}-title`} className="text-base font-semibold text-foreground">
        Dispatch
      </h3>
      <fieldset className="flex flex-col gap-xs">
        <legend className="mb-xs text-sm font-medium text-foreground">Mode</legend>
        {MODES.map((option) => (
          <label
            key={option.mode}
            className="flex cursor-pointer items-start gap-sm rounded-md border border-border p-sm text-sm hover:bg-muted"
          >
            <input
              type="radio"
              name={`${id}-mode`}
              value={option.mode}
              checked={shown.mode === option.mode}
              onChange={() => edit("mode", option.mode)}
              className="mt-1 size-4 accent-primary focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            />
            <span className="flex flex-col">
              <span className="font-medium text-foreground">{option.label}</span>
              <span className="text-xs text-muted-foreground">{option.detail}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="grid gap-md sm:grid-cols-2">
        {numberField(
          "offer_timeout_seconds",
          "Time to answer an offer (seconds)",
          `From ${LIMITS.timeout.min} to ${LIMITS.timeout.max}; then the offer expires and the next-nearest gets it.`,
          { min: LIMITS.timeout.min, max: LIMITS.timeout.max, step: 1 },
        )}
        {numberField(
          "max_offers",
          "Offers before auto-dispatch gives up",
          `From ${LIMITS.maxOffers.min} to ${LIMITS.maxOffers.max}.`,
          { min: LIMITS.maxOffers.min, max: LIMITS.maxOffers.max, step: 1 },
        )}
        {numberField("radius_km", "Search radius (km)", "How far from the alert to look for responders.", {
          min: 0,
          max: LIMITS.radiusKm.max,
          step: "any",
        })}
        <Field
          id={`${id}-skills`}
          label="Required skills"
          hint="Every offered responder has all of these, e.g. first_aid, cpr. Leave empty for any."
          error={errors.required_skills}
        >
          <Input
            id={`${id}-skills`}
            value={shown.required_skills}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => edit("required_skills", event.target.value)}
            aria-invalid={Boolean(errors.required_skills)}
            aria-describedby={describedBy(`${id}-skills`, { hint: true, error: errors.required_skills })}
          />
        </Field>
      </div>
      {overtaken ? (
        <p role="status" className="rounded-md bg-status-acknowledged-bg p-sm text-sm text-status-acknowledged-fg">
          Someone else saved these settings while you were editing. Saving yours would overwrite theirs, so the server
          refuses it: cancel to see theirs.
        </p>
      ) : null}
      {formError ? (
        <p role="alert" className="text-sm font-medium text-danger">
          {formError}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center justify-end gap-sm">
        <p role="status" className="mr-auto min-h-5 text-sm text-muted-foreground">
          {dirty ? (
            <span className="font-medium text-foreground">Unsaved changes</span>
          ) : settings.version === 0 ? (
            "The team uses the default settings."
          ) : null}
        </p>
        <Button variant="outline" size="sm" onClick={discard} disabled={!dirty || save.isPending}>
          <Undo2 aria-hidden="true" /> Cancel
        </Button>
        <Button type="submit" size="sm" disabled={!dirty || save.isPending}>
          <Save aria-hidden="true" /> {save.isPending ? "Saving…" : "Save dispatch settings"}
        </Button>
      </div>
    </form>
  );
}

/** A team's dispatch settings: suggest or auto-assign, the time to answer, required skills, offer limit, radius. */
export function TeamDispatchSettings({ team }: { team: TeamRead }) {
  const settings = useTeamDispatchSettings(team.id);
  return (
    <QueryBody query={settings} loading="Loading the dispatch settings" rows={2}>
      {(data) => <SettingsForm team={team} settings={data} />}
    </QueryBody>
  );
}
