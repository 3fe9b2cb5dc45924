"use client";

import { LogIn, Siren } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { signIn } from "@/lib/auth/session";
import { useSessionStore } from "@/lib/auth/session-store";
import { homeFor } from "@/lib/roles";

/** Only same-site paths are followed after sign-in, never another origin. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

function loginError(error: unknown): string {
  if (!(error instanceof ApiProblem)) return "Signing in failed. Try again.";
  if (error.code === "invalid_grant") return "The email or password is wrong. Check both and try again.";
  if (error.code === "organization_required")
    return "This account belongs to several organizations. Enter the organization's short name.";
  return describeProblem(error);
}

export function LoginForm() {
  const router = useRouter();
  const params = useSearchParams();
  const endedBecause = useSessionStore((state) => state.endedBecause);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [organization, setOrganization] = useState("");
  const [needsOrganization, setNeedsOrganization] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = "Sign in · SOS Console";
  }, []);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const role = await signIn(email.trim(), password, organization.trim() || undefined);
      router.replace(safeNext(params.get("next")) ?? homeFor(role));
    } catch (caught) {
      if (caught instanceof ApiProblem && caught.code === "organization_required") setNeedsOrganization(true);
      setError(loginError(caught));
      setBusy(false);
    }
  };

  return (
    <Card className="w-full max-w-[24rem] bg-background p-xl">
      <div className="mb-lg flex items-center gap-sm">
        <Siren aria-hidden="true" className="size-6 text-danger" />
        <h1 className="text-xl font-semibold text-foreground">Sign in to SOS Console</h1>
      </div>
      {endedBecause === "expired" ? (
        <p role="status" className="mb-md rounded-md bg-muted p-sm text-sm text-foreground">
          Your session ended. Sign in again to continue.
        </p>
      ) : null}
      <form onSubmit={onSubmit} className="flex flex-col gap-md" noValidate={false}>
        <Field id="email" label="Email">
          <Input
            id="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </Field>
        <Field id="password" label="Password">
          <Input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </Field>
        {needsOrganization ? (
          <Field id="organization" label="Organization" hint="The short name, such as demo">
            <Input
              id="organization"
              required
              aria-describedby="organization-hint"
              value={organization}
              onChange={(event) => setOrganization(event.target.value)}
            />
          </Field>
        ) : null}
        {error ? (
          <p role="alert" className="text-sm font-medium text-danger">
            {error}
          </p>
        ) : null}
        <Button type="submit" disabled={busy} size="lg">
          <LogIn aria-hidden="true" /> {busy ? "Signing in…" : "Sign in"}
        </Button>
        <Link href="/invitation/" className="text-center text-sm text-primary underline-offset-4 hover:underline">
          Invited? Accept your invitation
        </Link>
      </form>
    </Card>
  );
}
