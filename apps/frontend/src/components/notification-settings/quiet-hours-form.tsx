"use client";

import type { QuietHoursRead } from "@sos/contracts";
import { Save } from "lucide-react";
import { useId, useMemo, useState, type FormEvent } from "react";
import { fieldErrorsOf } from "@/components/admin/field-errors";
import { Button } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Input, Select } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useSetQuietHours } from "@/lib/queries/notification-rules";
import { notify } from "@/lib/toast";
import {
  browserZone,
  draftOfQuietHours,
  quietHoursBody,
  type QuietHoursDraft,
  type QuietHoursErrors,
} from "./quiet-hours-model";

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const all = zones.includes("UTC") ? zones : ["UTC", ...zones];
  return all.includes(current) ? all : [current, ...all];
}

/** When default pages wait: a daily window in a time zone. Critical pages ring through it. */
export function QuietHoursForm({ saved }: { saved: QuietHoursRead }) {
  const id = useId();
  const setQuietHours = useSetQuietHours();
  const [draft, setDraft] = useState<QuietHoursDraft>(() => draftOfQuietHours(saved, browserZone()));
  const [errors, setErrors] = useState<QuietHoursErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const zones = useMemo(() => timeZones(draft.timezone), [draft.timezone]);

  const edit = (changes: Partial<QuietHoursDraft>) => {
    setDraft((current) => ({ ...current, ...changes }));
    setErrors({});
    setFormError(null);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const result = quietHoursBody(draft);
    if ("errors" in result) {
      setErrors(result.errors);
      return;
    }
    setQuietHours.mutate(result.body, {
      onSuccess: (next) =>
        notify({
          tone: "success",
          title: next.start ? `Quiet hours ${next.start}–${next.end} saved` : "Quiet hours switched off",
        }),
      onError: (error) => {
        const fields = fieldErrorsOf(error) as QuietHoursErrors;
        setErrors(fields);
        setFormError(error instanceof ApiProblem ? describeProblem(error) : "Saving failed. Try again.");
      },
    });
  };

  return (
    <Card className="flex flex-col gap-md">
      <form noValidate onSubmit={onSubmit} aria-labelledby={`${id}-title`} className="flex flex-col gap-md">
        <div>
          <CardTitle id={`${id}-title`}>Quiet hours</CardTitle>
          <p className="text-sm text-muted-foreground">
            Default pages that arrive during quiet hours wait until they end. Critical alerts always ring through.
          </p>
        </div>
        <div className="flex items-center gap-sm">
          <Checkbox
            id={`${id}-enabled`}
            checked={draft.enabled}
            onChange={(event) => edit({ enabled: event.target.checked })}
          />
          <label htmlFor={`${id}-enabled`} className="text-sm font-medium text-foreground">
            Use quiet hours
          </label>
        </div>
        <div className="grid gap-md sm:grid-cols-3">
          <Field id={`${id}-start`} label="From" error={errors.start}>
            <Input
              id={`${id}-start`}
              type="time"
              value={draft.start}
              disabled={!draft.enabled}
              aria-invalid={Boolean(errors.start)}
              aria-describedby={errors.start ? `${id}-start-error` : undefined}
              onChange={(event) => edit({ start: event.target.value })}
            />
          </Field>
          <Field id={`${id}-end`} label="Until" error={errors.end}>
            <Input
              id={`${id}-end`}
              type="time"
              value={draft.end}
              disabled={!draft.enabled}
              aria-invalid={Boolean(errors.end)}
              aria-describedby={errors.end ? `${id}-end-error` : undefined}
              onChange={(event) => edit({ end: event.target.value })}
            />
          </Field>
          <Field id={`${id}-zone`} label="Time zone" error={errors.timezone}>
            <Select
              id={`${id}-zone`}
              value={draft.timezone}
              aria-invalid={Boolean(errors.timezone)}
              aria-describedby={errors.timezone ? `${id}-zone-error` : undefined}
              onChange={(event) => edit({ timezone: event.target.value })}
            >
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replaceAll("_", " ")}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        {formError ? (
          <p role="alert" className="text-sm font-medium text-danger">
            {formError}
          </p>
        ) : null}
        <div>
          <Button type="submit" disabled={setQuietHours.isPending}>
            <Save aria-hidden="true" /> {setQuietHours.isPending ? "Saving…" : "Save quiet hours"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
