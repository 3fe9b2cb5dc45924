"use client";

import type { ContactMethodRead } from "@sos/contracts";
import { BadgeCheck, Ban, CircleAlert, CircleDashed, Pencil, Send, Trash2 } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { cn } from "@/lib/cn";
import {
  useRelabelContactMethod,
  useRemoveContactMethod,
  useResendCode,
  useTestContactMethod,
  useVerifyContactMethod,
} from "@/lib/queries/contact-methods";
import { notify, notifyError } from "@/lib/toast";
import { CHANNEL_LABEL, methodState, STATE_TEXT, type MethodState } from "./contact-method-model";

const STATE_STYLE: Record<MethodState, { className: string; icon: typeof BadgeCheck }> = {
  verified: { className: "bg-status-resolved-bg text-status-resolved-fg", icon: BadgeCheck },
  unverified: { className: "bg-status-acknowledged-bg text-status-acknowledged-fg", icon: CircleDashed },
  opted_out: { className: "bg-status-triggered-bg text-status-triggered-fg", icon: Ban },
  disabled: { className: "bg-status-cancelled-bg text-status-cancelled-fg", icon: CircleAlert },
};

const message = (error: unknown, fallback: string): string =>
  error instanceof ApiProblem ? describeProblem(error) : fallback;

function StateBadge({ state }: { state: MethodState }) {
  const { className, icon: Icon } = STATE_STYLE[state];
  return (
    <span className={cn("inline-flex items-center gap-xs rounded-full px-sm py-2xs text-xs font-semibold", className)}>
      <Icon aria-hidden="true" className="size-3.5" />
      {STATE_TEXT[state].label}
    </span>
  );
}

function VerifyForm({ method }: { method: ContactMethodRead }) {
  const id = useId();
  const verify = useVerifyContactMethod();
  const resend = useResendCode();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const value = code.replace(/\s/g, "");
    if (!/^\d{6}$/.test(value)) {
      setError("Enter the 6 digits of the code.");
      return;
    }
    setError(null);
    verify.mutate(
      { id: method.id, code: value },
      {
        onSuccess: (saved) => {
          notify({
            tone: "success",
            title: `${saved.label} is verified`,
            description: "It can be used for pages now.",
          });
          setCode("");
        },
        onError: (failure) => setError(message(failure, "Verifying failed. Try again.")),
      },
    );
  };

  const onResend = () =>
    resend.mutate(method.id, {
      onSuccess: () => notify({ tone: "success", title: "A new code is on its way", description: method.address }),
      onError: (failure) => notifyError("No new code was sent", failure),
    });

  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-wrap items-end gap-sm">
      <div className="flex flex-col gap-xs">
        <label htmlFor={`${id}-code`} className="text-sm font-medium text-foreground">
          Verification code for {method.label}
        </label>
        <Input
          id={`${id}-code`}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          className="w-36 font-mono tracking-widest"
          value={code}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? `${id}-code-error` : undefined}
          onChange={(event) => {
            setCode(event.target.value);
            setError(null);
          }}
        />
      </div>
      <Button type="submit" size="md" disabled={verify.isPending}>
        {verify.isPending ? "Verifying…" : "Verify"}
      </Button>
      <Button variant="outline" size="md" onClick={onResend} disabled={resend.isPending}>
        {resend.isPending ? "Sending…" : "Send a new code"}
      </Button>
      {error ? (
        <p id={`${id}-code-error`} role="alert" className="basis-full text-sm font-medium text-danger">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function RenameForm({ method, onDone }: { method: ContactMethodRead; onDone: () => void }) {
  const id = useId();
  const relabel = useRelabelContactMethod();
  const [label, setLabel] = useState(method.label);
  const [error, setError] = useState<string | null>(null);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const value = label.trim();
    if (!value || value.length > 80) {
      setError("Enter a name of 1 to 80 characters.");
      return;
    }
    relabel.mutate(
      { id: method.id, label: value },
      {
        onSuccess: () => onDone(),
        onError: (failure) => setError(message(failure, "Renaming failed. Try again.")),
      },
    );
  };
  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-wrap items-end gap-sm">
      <div className="flex flex-col gap-xs">
        <label htmlFor={`${id}-label`} className="text-sm font-medium text-foreground">
          New name for {method.label}
        </label>
        <Input
          id={`${id}-label`}
          value={label}
          maxLength={80}
          autoFocus
          aria-invalid={Boolean(error)}
          aria-describedby={error ? `${id}-label-error` : undefined}
          onChange={(event) => setLabel(event.target.value)}
        />
      </div>
      <Button type="submit" disabled={relabel.isPending}>
        {relabel.isPending ? "Saving…" : "Save name"}
      </Button>
      <Button variant="outline" onClick={onDone}>
        Cancel
      </Button>
      {error ? (
        <p id={`${id}-label-error`} role="alert" className="basis-full text-sm font-medium text-danger">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** One contact method: its state, and what can be done with it in that state. */
export function MethodRow({ method }: { method: ContactMethodRead }) {
  const headingId = useId();
  const state = methodState(method);
  const test = useTestContactMethod();
  const remove = useRemoveContactMethod();
  const [renaming, setRenaming] = useState(false);
  const [removing, setRemoving] = useState(false);

  const sendTest = () =>
    test.mutate(method.id, {
      onSuccess: () =>
        notify({
          tone: "success",
          title: `Test message sent to ${method.label}`,
          description: `It should reach ${method.address} within a minute. Nothing arrived? Check the address, or ask an administrator to check the providers.`,
        }),
      onError: (error) => notifyError(`No test message was sent to ${method.label}`, error),
    });

  return (
    <li aria-labelledby={headingId} className="flex flex-col gap-sm rounded-md border border-border p-md">
      <div className="flex flex-wrap items-start justify-between gap-sm">
        <div className="min-w-0">
          <p id={headingId} className="font-medium text-foreground">
            {method.label}
          </p>
          <p className="break-words text-sm text-muted-foreground">
            {CHANNEL_LABEL[method.channel]} · {method.address}
          </p>
        </div>
        <StateBadge state={state} />
      </div>
      {state === "verified" ? null : (
        <p className="text-sm text-foreground">
          {state === "disabled" && method.disabled_reason ? `${method.disabled_reason}. ` : null}
          {STATE_TEXT[state].explanation}
        </p>
      )}
      {state === "unverified" || state === "opted_out" ? <VerifyForm method={method} /> : null}
      {renaming ? <RenameForm method={method} onDone={() => setRenaming(false)} /> : null}
      <div className="flex flex-wrap gap-sm">
        {state === "verified" ? (
          <Button variant="outline" size="sm" onClick={sendTest} disabled={test.isPending}>
            <Send aria-hidden="true" /> {test.isPending ? "Sending…" : "Send test"}
            <span className="sr-only"> to {method.label}</span>
          </Button>
        ) : null}
        {renaming ? null : (
          <Button variant="outline" size="sm" onClick={() => setRenaming(true)}>
            <Pencil aria-hidden="true" /> Rename<span className="sr-only"> {method.label}</span>
          </Button>
        )}
        <Button variant="outline" size="sm" className="text-danger" onClick={() => setRemoving(true)}>
          <Trash2 aria-hidden="true" /> Remove<span className="sr-only"> {method.label}</span>
        </Button>
      </div>
      <ConfirmDialog
        open={removing}
        onOpenChange={(open) => {
          setRemoving(open);
          remove.reset();
        }}
        title={`Remove ${method.label}?`}
        description="Pages are no longer sent to it, and it leaves every rule it is in."
        confirmLabel="Remove"
        busyLabel="Removing…"
        busy={remove.isPending}
        error={remove.error ? message(remove.error, "Removing failed. Try again.") : null}
        onConfirm={() =>
          remove.mutate(method.id, {
            onSuccess: () => {
              setRemoving(false);
              notify({ tone: "success", title: `${method.label} removed` });
            },
          })
        }
      />
    </li>
  );
}
