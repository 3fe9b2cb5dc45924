"use client";

import { acceptInvitation, type InvitationAccepted } from "@sos/contracts";
import { CircleCheck, UserPlus } from "lucide-react";
import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { call } from "@/lib/api/call";
import { api } from "@/lib/api/client";
import { ApiProblem, describeProblem } from "@/lib/api/problem";

export const MIN_PASSWORD_LENGTH = 12;

type Errors = Partial<Record<"token" | "password" | "confirm", string>>;

export function validateInvitation(token: string, password: string, confirm: string): Errors {
  const errors: Errors = {};
  if (!token.trim()) errors.token = "Paste the invitation token your administrator gave you.";
  if (password.length < MIN_PASSWORD_LENGTH)
    errors.password = `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  else if (confirm !== password) errors.confirm = "The two passwords differ. Type the same password twice.";
  return errors;
}

function acceptError(error: unknown): string {
  if (error instanceof ApiProblem && error.code === "invalid_token")
    return "This invitation token is not valid any more: it was used, renewed or has expired. Ask your administrator for a new one.";
  return error instanceof ApiProblem ? describeProblem(error) : "Accepting the invitation failed. Try again.";
}

/** An invited person sets their password with the one-time token an administrator handed them. */
export function AcceptInvitationForm() {
  const [token, setToken] = useState("");
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<InvitationAccepted | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = "Accept an invitation · SOS Console";
  }, []);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateInvitation(token, password, confirm);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const body = { token: token.trim(), password, ...(fullName.trim() ? { full_name: fullName.trim() } : {}) };
      setAccepted(await call(acceptInvitation({ client: api, body })));
    } catch (error) {
      setFailure(acceptError(error));
    } finally {
      setBusy(false);
    }
  };

  if (accepted) {
    return (
      <Card className="w-full max-w-[26rem] bg-background p-xl">
        <h1 className="mb-md flex items-center gap-sm text-xl font-semibold text-foreground">
          <CircleCheck aria-hidden="true" className="size-6 text-status-resolved-fg" /> Invitation accepted
        </h1>
        <p role="status" className="mb-lg text-sm text-foreground">
          {accepted.email} can now sign in. If you belong to several organizations, this one&apos;s short name is{" "}
          <strong>{accepted.organization_slug}</strong>.
        </p>
        <Button asChild size="lg" className="w-full">
          <Link href="/login/">Go to sign in</Link>
        </Button>
      </Card>
    );
  }

  const describedBy = (field: keyof Errors, hint = false) =>
    [hint ? `${field}-hint` : null, errors[field] ? `${field}-error` : null].filter(Boolean).join(" ") || undefined;

  return (
    <Card className="w-full max-w-[26rem] bg-background p-xl">
      <h1 className="mb-lg flex items-center gap-sm text-xl font-semibold text-foreground">
        <UserPlus aria-hidden="true" className="size-6 text-primary" /> Accept an invitation
      </h1>
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-md">
        <Field id="token" label="Invitation token" hint="As your administrator gave it to you" error={errors.token}>
          <Input
            id="token"
            autoComplete="one-time-code"
            spellCheck={false}
            aria-invalid={Boolean(errors.token)}
            aria-describedby={describedBy("token", true)}
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </Field>
        <Field id="full-name" label="Your name (optional)">
          <Input id="full-name" autoComplete="name" value={fullName} onChange={(event) => setFullName(event.target.value)} />
        </Field>
        <Field
          id="password"
          label="New password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters`}
          error={errors.password}
        >
          <Input
            id="password"
            type="password"
            autoComplete="new-password"
            aria-invalid={Boolean(errors.password)}
            aria-describedby={describedBy("password", true)}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </Field>
        <Field id="confirm" label="Repeat the password" error={errors.confirm}>
          <Input
            id="confirm"
            type="password"
            autoComplete="new-password"
            aria-invalid={Boolean(errors.confirm)}
            aria-describedby={describedBy("confirm")}
            value={confirm}
            onChange={(event) => setConfirm(event.target.value)}
          />
        </Field>
        {failure ? (
          <p role="alert" className="text-sm font-medium text-danger">
            {failure}
          </p>
        ) : null}
        <Button type="submit" size="lg" disabled={busy}>
          {busy ? "Accepting…" : "Accept and set password"}
        </Button>
        <Link href="/login/" className="text-center text-sm text-primary underline-offset-4 hover:underline">
          Already have an account? Sign in
        </Link>
      </form>
    </Card>
  );
}
