"use client";

import { Plus } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { fieldErrorsOf } from "@/components/admin/field-errors";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useAddContactMethod } from "@/lib/queries/contact-methods";
import { notify } from "@/lib/toast";
import {
  ADDABLE,
  ADDRESS_HINT,
  bodyOf,
  CHANNEL_LABEL,
  isChat,
  validateDraft,
  type AddableChannel,
  type DraftErrors,
  type MethodDraft,
} from "./contact-method-model";

const ADDRESS_LABEL: Record<AddableChannel, string> = {
  email: "Email address",
  sms: "Mobile number",
  voice: "Phone number",
  slack: "Webhook URL",
  teams: "Webhook URL",
  mattermost: "Webhook URL",
};

const CHOICE_LABEL: Record<AddableChannel, string> = {
  email: "Email",
  sms: "SMS (text message)",
  voice: "Voice call",
  slack: CHANNEL_LABEL.slack,
  teams: CHANNEL_LABEL.teams,
  mattermost: CHANNEL_LABEL.mattermost,
};

const EMPTY: MethodDraft = { channel: "email", label: "", address: "" };

/** Adds an email address, a phone number or a chat webhook; all but webhooks then wait for their code. */
export function AddMethodForm() {
  const id = useId();
  const add = useAddContactMethod();
  const [draft, setDraft] = useState<MethodDraft>(EMPTY);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const addressKey = isChat(draft.channel) ? "webhook_url" : "address";
  const addressError = errors[addressKey];

  const edit = (changes: Partial<MethodDraft>) => {
    setDraft((current) => ({ ...current, ...changes }));
    setErrors({});
    setFormError(null);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateDraft(draft);
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    add.mutate(bodyOf(draft), {
      onSuccess: (method) => {
        notify({
          tone: "success",
          title: `${method.label} added`,
          description: method.verified
            ? "It is verified and can be used for pages."
            : "A verification code is on its way. Enter it next to the method.",
        });
        setDraft({ ...EMPTY, channel: draft.channel });
      },
      onError: (error) => {
        const fields = fieldErrorsOf(error) as DraftErrors;
        setErrors(fields);
        if (!Object.values(fields).some(Boolean))
          setFormError(error instanceof ApiProblem ? describeProblem(error) : "Adding failed. Try again.");
      },
    });
  };

  return (
    <form noValidate onSubmit={onSubmit} aria-labelledby={`${id}-title`} className="flex flex-col gap-md">
      <h3 id={`${id}-title`} className="text-sm font-semibold text-foreground">
        Add a contact method
      </h3>
      <div className="grid gap-md sm:grid-cols-[minmax(0,12rem)_minmax(0,1fr)]">
        <Field id={`${id}-channel`} label="Kind">
          <Select
            id={`${id}-channel`}
            value={draft.channel}
            onChange={(event) => edit({ channel: event.target.value as AddableChannel, address: "" })}
          >
            {ADDABLE.map((channel) => (
              <option key={channel} value={channel}>
                {CHOICE_LABEL[channel]}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={`${id}-label`} label="Name" hint="Your name for it, such as “Work phone”." error={errors.label}>
          <Input
            id={`${id}-label`}
            maxLength={80}
            value={draft.label}
            aria-invalid={Boolean(errors.label)}
            aria-describedby={`${id}-label-hint${errors.label ? ` ${id}-label-error` : ""}`}
            onChange={(event) => edit({ label: event.target.value })}
          />
        </Field>
      </div>
      <Field
        id={`${id}-address`}
        label={ADDRESS_LABEL[draft.channel]}
        hint={ADDRESS_HINT[draft.channel]}
        error={addressError}
      >
        <Input
          id={`${id}-address`}
          type={draft.channel === "email" ? "email" : isChat(draft.channel) ? "url" : "tel"}
          autoComplete={draft.channel === "email" ? "email" : isChat(draft.channel) ? "off" : "tel"}
          spellCheck={false}
          value={draft.address}
          aria-invalid={Boolean(addressError)}
          aria-describedby={`${id}-address-hint${addressError ? ` ${id}-address-error` : ""}`}
          onChange={(event) => edit({ address: event.target.value })}
        />
      </Field>
      {formError ? (
        <p role="alert" className="text-sm font-medium text-danger">
          {formError}
        </p>
      ) : null}
      <div>
        <Button type="submit" disabled={add.isPending}>
          <Plus aria-hidden="true" /> {add.isPending ? "Adding…" : `Add ${CHOICE_LABEL[draft.channel].split(" (")[0]}`}
        </Button>
      </div>
    </form>
  );
}
