"use client";

import type { OrganizationRead, OrganizationUpdate } from "@sos/contracts";
import { Save, TriangleAlert, Undo2 } from "lucide-react";
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { Freshness } from "@/components/shell/freshness";
import { Button } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { QueryBody } from "@/components/ui/states";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useOrganization, useUpdateOrganization } from "@/lib/queries/organization";
import { notify, notifyError } from "@/lib/toast";
import { fieldErrorsOf, type FieldErrors } from "./field-errors";
import { formatDateTime } from "./format";
import { describedBy } from "./member-form";

interface Settings {
  name: string;
  timezone: string;
}

const settingsOf = (organization: OrganizationRead): Settings => ({
  name: organization.name,
  timezone: organization.timezone,
});

function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

/** The time now in a zone, or null when this browser does not know the zone (the server still decides). */
function timeIn(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat(undefined, {
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      timeZone: zone,
    }).format(new Date());
  } catch {
    return null;
  }
}

/**
 * Edits the organization's settings. What is typed stays a draft, compared with the version it started from: the
 * page says when there are unsaved changes, and when someone else saved in the meantime.
 */
function OrganizationForm({ organization }: { organization: OrganizationRead }) {
  const id = useId();
  const update = useUpdateOrganization();
  const zones = useMemo(timeZones, []);
  // The version the draft was started from; null while nothing is edited (the form then follows the server).
  const [base, setBase] = useState<OrganizationRead | null>(null);
  const [draft, setDraft] = useState<Settings>(settingsOf(organization));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  // A draft typed back to what it started from is no draft: the form follows the server again.
  const editing = base !== null && (draft.name !== base.name || draft.timezone !== base.timezone);
  const from = editing && base ? base : organization;
  const shown = editing ? draft : settingsOf(organization);
  const changes: OrganizationUpdate = {};
  if (shown.name.trim() !== from.name) changes.name = shown.name.trim();
  if (shown.timezone.trim() !== from.timezone) changes.timezone = shown.timezone.trim();
  const dirty = editing && Object.keys(changes).length > 0;
  const overtaken = dirty && organization.version !== from.version;

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const edit = (field: keyof Settings, value: string) => {
    setDraft({ ...shown, [field]: value });
    if (!editing) setBase(organization);
    setErrors((current) => ({ ...current, [field]: undefined }));
    setFormError(null);
  };

  const discard = () => {
    setBase(null);
    setDraft(settingsOf(organization));
    setErrors({});
    setFormError(null);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!dirty) return;
    if (!shown.name.trim()) {
      setErrors({ name: "Enter the organization's name." });
      return;
    }
    update.mutate(
      { version: from.version, changes },
      {
        onSuccess: (saved) => {
          notify({ tone: "success", title: "Organization settings saved" });
          setBase(null);
          setDraft(settingsOf(saved));
          setErrors({});
          setFormError(null);
        },
        onError: (error) => {
          const fields = fieldErrorsOf(error);
          setErrors(fields);
          if (Object.values(fields).some(Boolean)) {
            setFormError("Some settings are not valid: see the messages next to them.");
            return;
          }
          setFormError(error instanceof ApiProblem ? describeProblem(error) : "Saving failed. Try again.");
          notifyError("Could not save the organization settings", error);
        },
      },
    );
  };

  const zoneTime = timeIn(shown.timezone.trim());

  return (
    <form noValidate onSubmit={onSubmit} aria-labelledby={`${id}-title`} className="flex flex-col gap-lg">
      <Card className="flex flex-col gap-md">
        <CardTitle id={`${id}-title`}>Settings</CardTitle>
        <Field id={`${id}-name`} label="Organization name" error={errors.name}>
          <Input
            id={`${id}-name`}
            required
            maxLength={200}
            value={shown.name}
            onChange={(event) => edit("name", event.target.value)}
            aria-invalid={Boolean(errors.name)}
            aria-describedby={describedBy(`${id}-name`, { error: errors.name })}
          />
        </Field>
        <Field
          id={`${id}-timezone`}
          label="Time zone"
          hint={`An IANA time zone such as Europe/Berlin or UTC.${zoneTime ? ` Local time there now: ${zoneTime}.` : ""}`}
          error={errors.timezone}
        >
          <Input
            id={`${id}-timezone`}
            required
            list={`${id}-zones`}
            autoComplete="off"
            spellCheck={false}
            maxLength={64}
            value={shown.timezone}
            onChange={(event) => edit("timezone", event.target.value)}
            aria-invalid={Boolean(errors.timezone)}
            aria-describedby={describedBy(`${id}-timezone`, { hint: true, error: errors.timezone })}
          />
          <datalist id={`${id}-zones`}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </Field>

        {overtaken ? (
          <div
            role="status"
            className="flex flex-col gap-sm rounded-md bg-status-acknowledged-bg p-md text-sm text-status-acknowledged-fg"
          >
            <p className="flex items-start gap-sm font-medium">
              <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
              Someone else saved these settings while you were editing (now “{organization.name}”,{" "}
              {organization.timezone}). Saving your version would overwrite theirs, so the server refuses it.
            </p>
            <div className="flex flex-wrap gap-sm">
              <Button size="sm" variant="outline" onClick={discard}>
                Discard mine and show theirs
              </Button>
              <Button size="sm" variant="outline" onClick={() => setBase(organization)}>
                Keep mine on top of theirs
              </Button>
            </div>
          </div>
        ) : null}

        {formError ? (
          <p role="alert" className="text-sm font-medium text-danger">
            {formError}
          </p>
        ) : null}

        <div className="flex flex-wrap items-center justify-end gap-sm border-t border-border pt-md">
          <p role="status" className="mr-auto min-h-5 text-sm font-medium text-foreground">
            {dirty ? "Unsaved changes" : null}
          </p>
          <Button variant="outline" onClick={discard} disabled={!dirty || update.isPending}>
            <Undo2 aria-hidden="true" /> Cancel
          </Button>
          <Button type="submit" disabled={!dirty || update.isPending}>
            <Save aria-hidden="true" /> {update.isPending ? "Saving…" : "Save"}
          </Button>
        </div>
      </Card>

      <Card className="flex flex-col gap-sm">
        <CardTitle>About</CardTitle>
        <dl className="grid grid-cols-1 gap-x-lg gap-y-sm text-sm sm:grid-cols-[max-content_minmax(0,1fr)]">
          <dt className="font-medium text-muted-foreground">Short name</dt>
          <dd className="text-foreground">
            <span className="font-mono">{organization.slug}</span>
            <span className="block text-xs text-muted-foreground">
              People in several organizations enter it when signing in. It cannot be changed here.
            </span>
          </dd>
          <dt className="font-medium text-muted-foreground">Created</dt>
          <dd className="text-foreground">{formatDateTime(organization.created_at)}</dd>
          <dt className="font-medium text-muted-foreground">Last changed</dt>
          <dd className="text-foreground">
            {formatDateTime(organization.updated_at)} (version {organization.version})
          </dd>
        </dl>
      </Card>
    </form>
  );
}

export function OrganizationSettings() {
  const organization = useOrganization();
  return (
    <div className="flex max-w-[48rem] flex-col gap-md">
      <Freshness updatedAt={organization.dataUpdatedAt} failing={organization.isError} />
      <QueryBody query={organization} loading="Loading the organization" rows={3}>
        {(data) => <OrganizationForm organization={data} />}
      </QueryBody>
    </div>
  );
}
