"use client";

import type { ProviderKindRead, ProviderRead } from "@sos/contracts";
import { useId, useMemo, useState, type FormEvent } from "react";
import { Checkbox } from "@/components/ui/checkbox";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Input, Select } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { providerFormErrors, useCreateProvider, useUpdateProvider } from "@/lib/queries/providers";
import { notify } from "@/lib/toast";
import { SchemaFields } from "./schema-fields";
import { fieldsOf, initialValues, payloadOf, type FormErrors, type FormValues } from "./schema-form-model";

interface Basics {
  kind: string;
  name: string;
  priority: string;
  rateLimit: string;
  enabled: boolean;
}

export const KIND_LABEL: Record<string, string> = {
  smtp: "Email (SMTP)",
  twilio: "Twilio (SMS and voice)",
  http_sms: "SMS gateway (HTTP)",
  fcm: "Firebase Cloud Messaging",
  apns: "Apple Push Notification service",
  webpush: "Web Push",
  chat: "Slack, Teams and Mattermost webhooks",
};

export const kindLabel = (kind: string): string => KIND_LABEL[kind] ?? kind;

function wholeNumber(raw: string, min: number, max: number): number | string | null {
  const value = raw.trim();
  if (!value) return null;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) return `Enter a whole number from ${min} to ${max}.`;
  return number;
}

/** Adds a provider account, or edits one (`provider`); the form follows the chosen kind's schemas. */
export function ProviderFormDialog({
  open,
  onOpenChange,
  kinds,
  provider,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  kinds: readonly ProviderKindRead[];
  provider?: ProviderRead;
}) {
  const id = useId();
  const configurable = kinds.filter((kind) => kind.configurable);
  const create = useCreateProvider();
  const update = useUpdateProvider();
  const busy = create.isPending || update.isPending;
  const [basics, setBasics] = useState<Basics>(() => ({
    kind: provider?.kind ?? configurable[0]?.kind ?? "",
    name: provider?.name ?? "",
    priority: String(provider?.priority ?? 100),
    rateLimit: provider?.rate_limit_per_second ? String(provider.rate_limit_per_second) : "",
    enabled: provider?.enabled ?? true,
  }));
  const kind = kinds.find((each) => each.kind === basics.kind);
  const fields = useMemo(
    () =>
      kind
        ? [...fieldsOf(kind.settings_schema, { secret: false }), ...fieldsOf(kind.secrets_schema, { secret: true })]
        : [],
    [kind],
  );
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, provider?.settings));
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const stored = provider ? provider.secret_fields : [];

  const chooseKind = (next: string) => {
    const nextKind = kinds.find((each) => each.kind === next);
    setBasics({ ...basics, kind: next });
    setValues(
      nextKind
        ? initialValues([
            ...fieldsOf(nextKind.settings_schema, { secret: false }),
            ...fieldsOf(nextKind.secrets_schema, { secret: true }),
          ])
        : {},
    );
    setErrors({});
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const { settings, secrets, errors: found } = payloadOf(fields, values, provider ? stored : null);
    const name = basics.name.trim();
    if (!name) found.name = "Enter a name, such as “Office SMTP”.";
    const priority = wholeNumber(basics.priority, 0, 10_000) ?? 100;
    if (typeof priority === "string") found.priority = priority;
    const rateLimit = wholeNumber(basics.rateLimit, 1, 100_000);
    if (typeof rateLimit === "string") found.rate_limit_per_second = rateLimit;
    setErrors(found);
    if (Object.values(found).some(Boolean)) {
      setFormError("Some fields need attention: see the messages next to them.");
      return;
    }
    setFormError(null);
    const common = {
      name,
      priority: priority as number,
      enabled: basics.enabled,
      rate_limit_per_second: rateLimit as number | null,
      settings,
    };
    const onError = (error: Error) => {
      const fromServer = providerFormErrors(error);
      setErrors(fromServer);
      setFormError(
        error instanceof ApiProblem ? describeProblem(error) : "Saving failed. Check the fields and try again.",
      );
    };
    if (provider?.id) {
      update.mutate(
        { id: provider.id, changes: { ...common, ...(secrets ? { secrets } : {}) } },
        {
          onSuccess: (saved) => {
            notify({ tone: "success", title: `${saved.name} saved` });
            onOpenChange(false);
          },
          onError,
        },
      );
    } else {
      create.mutate(
        { ...common, kind: basics.kind, secrets: secrets ?? {} },
        {
          onSuccess: (saved) => {
            notify({ tone: "success", title: `${saved.name} added`, description: "Run “Check now” to test it." });
            onOpenChange(false);
          },
          onError,
        },
      );
    }
  };

  const basicError = (key: string) => errors[key];
  return (
    <Dialog open={open} onOpenChange={(next) => (busy ? undefined : onOpenChange(next))}>
      <DialogContent
        title={provider ? `Edit ${provider.name}` : "Add a provider"}
        description="Messages go through the enabled provider with the lowest priority number; the next takes over when it fails."
        className="max-w-[40rem]"
      >
        <form noValidate onSubmit={onSubmit} className="flex flex-col gap-md">
          {provider ? (
            <p className="text-sm text-foreground">
              Kind: <span className="font-medium">{kindLabel(provider.kind)}</span>
            </p>
          ) : (
            <Field id={`${id}-kind`} label="Kind">
              <Select id={`${id}-kind`} value={basics.kind} onChange={(event) => chooseKind(event.target.value)}>
                {configurable.map((each) => (
                  <option key={each.kind} value={each.kind}>
                    {kindLabel(each.kind)}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          <Field id={`${id}-name`} label="Name" error={basicError("name")}>
            <Input
              id={`${id}-name`}
              value={basics.name}
              maxLength={80}
              aria-invalid={Boolean(basicError("name"))}
              aria-describedby={basicError("name") ? `${id}-name-error` : undefined}
              onChange={(event) => setBasics({ ...basics, name: event.target.value })}
            />
          </Field>
          <div className="grid gap-md sm:grid-cols-2">
            <Field
              id={`${id}-priority`}
              label="Priority"
              hint="Lower goes first (0 to 10000)."
              error={basicError("priority")}
            >
              <Input
                id={`${id}-priority`}
                type="number"
                inputMode="numeric"
                value={basics.priority}
                aria-invalid={Boolean(basicError("priority"))}
                aria-describedby={`${id}-priority-hint${basicError("priority") ? ` ${id}-priority-error` : ""}`}
                onChange={(event) => setBasics({ ...basics, priority: event.target.value })}
              />
            </Field>
            <Field
              id={`${id}-rate`}
              label="Rate limit (messages per second)"
              hint="Optional: empty for no limit."
              error={basicError("rate_limit_per_second")}
            >
              <Input
                id={`${id}-rate`}
                type="number"
                inputMode="numeric"
                value={basics.rateLimit}
                aria-invalid={Boolean(basicError("rate_limit_per_second"))}
                aria-describedby={`${id}-rate-hint${basicError("rate_limit_per_second") ? ` ${id}-rate-error` : ""}`}
                onChange={(event) => setBasics({ ...basics, rateLimit: event.target.value })}
              />
            </Field>
          </div>
          <div className="flex items-center gap-sm">
            <Checkbox
              id={`${id}-enabled`}
              checked={basics.enabled}
              onChange={(event) => setBasics({ ...basics, enabled: event.target.checked })}
            />
            <label htmlFor={`${id}-enabled`} className="text-sm font-medium text-foreground">
              Enabled: use this provider for sending
            </label>
          </div>
          {fields.length ? (
            <fieldset className="flex flex-col gap-md border-t border-border pt-md">
              <legend className="sr-only">Settings and credentials</legend>
              <SchemaFields
                idPrefix={id}
                fields={fields}
                values={values}
                errors={errors}
                storedSecrets={stored}
                onChange={(key, value) => {
                  setValues((current) => ({ ...current, [key]: value }));
                  setErrors((current) => ({ ...current, [key]: undefined }));
                }}
              />
            </fieldset>
          ) : null}
          {provider && stored.length ? (
            <p className="text-xs text-muted-foreground">
              Entering any credential replaces all stored ones, so enter each required one again.
            </p>
          ) : null}
          <DialogFooter error={formError} busy={busy}>
            <Button type="submit" disabled={busy || !kind}>
              {busy ? "Saving…" : provider ? "Save changes" : "Add provider"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
