"use client";

import type { HealthCheckRead, ProviderKindRead, ProviderRead } from "@sos/contracts";
import { Copy, Pencil, Plus, Stethoscope, Trash2 } from "lucide-react";
import { useId, useState } from "react";
import { ConfirmDialog } from "@/components/admin/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import {
  useCheckProvider,
  useDeleteProvider,
  useProviderKinds,
  useProviders,
  useUpdateProvider,
} from "@/lib/queries/providers";
import { notify, notifyError } from "@/lib/toast";
import { ProviderFormDialog, kindLabel } from "./provider-form-dialog";
import { BreakerBadge, HealthFacts } from "./provider-health";

const CHANNEL_NAME: Record<string, string> = {
  email: "email",
  sms: "SMS",
  voice: "voice calls",
  web_push: "web push",
  fcm: "Android/iOS push (FCM)",
  apns: "iOS push (APNs)",
  slack: "Slack",
  teams: "Teams",
  mattermost: "Mattermost",
  in_app: "in-app",
};

function CopyUrl({ label, url }: { label: string; url: string }) {
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      notify({ tone: "success", title: `${label} copied` });
    } catch {
      notify({ tone: "error", title: "Could not copy", description: "Select the address and copy it by hand." });
    }
  };
  return (
    <div className="flex flex-col gap-xs">
      <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
        {label}
      </label>
      <div className="flex gap-sm">
        <Input id={id} readOnly value={url} className="h-8 font-mono text-xs" onFocus={(e) => e.target.select()} />
        <Button variant="outline" size="sm" onClick={() => void copy()} aria-label={`Copy ${label.toLowerCase()}`}>
          <Copy aria-hidden="true" /> Copy
        </Button>
      </div>
    </div>
  );
}

function CheckResult({ result }: { result: HealthCheckRead }) {
  return (
    <p
      role="status"
      className={
        result.ok
          ? "rounded-md bg-status-resolved-bg p-sm text-sm text-status-resolved-fg"
          : "rounded-md bg-status-triggered-bg p-sm text-sm text-status-triggered-fg"
      }
    >
      <span className="font-semibold">{result.ok ? "Check passed" : "Check failed"}</span>: {result.detail} (
      {result.duration_ms} ms)
    </p>
  );
}

function ProviderCard({ provider, kinds }: { provider: ProviderRead; kinds: readonly ProviderKindRead[] }) {
  const headingId = useId();
  const check = useCheckProvider();
  const update = useUpdateProvider();
  const remove = useDeleteProvider();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const providerId = provider.id;

  const runCheck = () => {
    if (!providerId) return;
    setCheckError(null);
    check.mutate(providerId, {
      onError: (error) =>
        setCheckError(error instanceof ApiProblem ? describeProblem(error) : "The check could not run. Try again."),
    });
  };

  const toggle = () => {
    if (!providerId) return;
    update.mutate(
      { id: providerId, changes: { name: provider.name, enabled: !provider.enabled } },
      {
        onSuccess: (saved) =>
          notify({ tone: "success", title: `${saved.name} ${saved.enabled ? "enabled" : "disabled"}` }),
        onError: (error) => notifyError(`Could not change ${provider.name}`, error),
      },
    );
  };

  return (
    <Card className="flex flex-col gap-md" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-start justify-between gap-sm">
        <div className="flex flex-col gap-2xs">
          <CardTitle id={headingId}>{provider.name}</CardTitle>
          <p className="text-sm text-muted-foreground">
            {kindLabel(provider.kind)} ·{" "}
            {provider.channels.map((channel) => CHANNEL_NAME[channel] ?? channel).join(", ")}
            {provider.built_in ? " · built in" : ` · priority ${provider.priority}`}
            {provider.rate_limit_per_second ? ` · at most ${provider.rate_limit_per_second}/s` : ""}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-sm">
          {provider.enabled ? null : (
            <span className="rounded-full bg-status-cancelled-bg px-sm py-2xs text-xs font-semibold text-status-cancelled-fg">
              Disabled
            </span>
          )}
          {provider.health.breaker ? <BreakerBadge state={provider.health.breaker} /> : null}
        </div>
      </div>
      {provider.problem ? (
        <p className="rounded-md bg-status-triggered-bg p-sm text-sm text-status-triggered-fg">
          <span className="font-semibold">Skipped when sending:</span> {provider.problem}
        </p>
      ) : null}
      <HealthFacts health={provider.health} />
      {provider.status_callback_url || provider.inbound_url ? (
        <div className="flex flex-col gap-sm">
          {provider.status_callback_url ? (
            <CopyUrl label="Delivery receipts URL" url={provider.status_callback_url} />
          ) : null}
          {provider.inbound_url ? <CopyUrl label="Inbound SMS URL" url={provider.inbound_url} /> : null}
        </div>
      ) : null}
      {check.data && !check.isPending ? <CheckResult result={check.data} /> : null}
      {checkError ? (
        <p role="alert" className="text-sm font-medium text-danger">
          {checkError}
        </p>
      ) : null}
      {providerId ? (
        <div className="flex flex-wrap gap-sm border-t border-border pt-md">
          <Button variant="outline" size="sm" onClick={runCheck} disabled={check.isPending}>
            <Stethoscope aria-hidden="true" /> {check.isPending ? "Checking…" : "Check now"}
          </Button>
          <Button variant="outline" size="sm" onClick={() => setEditing(true)}>
            <Pencil aria-hidden="true" /> Edit
          </Button>
          <Button variant="outline" size="sm" onClick={toggle} disabled={update.isPending}>
            {provider.enabled ? "Disable" : "Enable"}
          </Button>
          <Button variant="outline" size="sm" onClick={() => setDeleting(true)} className="text-danger">
            <Trash2 aria-hidden="true" /> Delete
          </Button>
        </div>
      ) : (
        <p className="text-xs text-muted-foreground">
          Built in: it needs no account and cannot be changed here. Failures pause each destination on its own.
        </p>
      )}
      {editing ? <ProviderFormDialog open onOpenChange={setEditing} kinds={kinds} provider={provider} /> : null}
      <ConfirmDialog
        open={deleting}
        onOpenChange={(open) => {
          setDeleting(open);
          remove.reset();
        }}
        title={`Delete ${provider.name}?`}
        description="Its stored credentials are erased. Messages it would have sent go through the next provider, if any."
        confirmLabel="Delete provider"
        busyLabel="Deleting…"
        busy={remove.isPending}
        error={
          remove.error
            ? remove.error instanceof ApiProblem
              ? describeProblem(remove.error)
              : "Deleting failed."
            : null
        }
        onConfirm={() =>
          providerId &&
          remove.mutate(providerId, {
            onSuccess: () => {
              setDeleting(false);
              notify({ tone: "success", title: `${provider.name} deleted` });
            },
          })
        }
      />
    </Card>
  );
}

/** The organization's notification providers with their health, and the form to add or change them. */
export function ProvidersAdmin() {
  const providers = useProviders();
  const kinds = useProviderKinds();
  const [adding, setAdding] = useState(false);
  return (
    <div className="flex flex-col gap-md">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <p className="max-w-[48rem] text-sm text-muted-foreground">
          Providers carry pages out of the platform: email, SMS, voice calls and push. Credentials are stored encrypted
          and never shown again. Health covers the last hour of this server process.
        </p>
        <Button onClick={() => setAdding(true)} disabled={!kinds.data}>
          <Plus aria-hidden="true" /> Add provider
        </Button>
      </div>
      {adding && kinds.data ? <ProviderFormDialog open onOpenChange={setAdding} kinds={kinds.data} /> : null}
      <QueryBody query={providers} loading="Loading the providers" rows={3}>
        {(list) =>
          list.length === 0 ? (
            <EmptyState title="No providers yet">Add one to send email, SMS or push notifications.</EmptyState>
          ) : (
            <ul className="grid gap-md lg:grid-cols-2">
              {list.map((provider) => (
                <li key={provider.id ?? `built-in-${provider.kind}`}>
                  <ProviderCard provider={provider} kinds={kinds.data ?? []} />
                </li>
              ))}
            </ul>
          )
        }
      </QueryBody>
    </div>
  );
}
