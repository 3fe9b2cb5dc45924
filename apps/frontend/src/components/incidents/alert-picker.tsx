"use client";

import type { AlertRead } from "@sos/contracts";
import { useId } from "react";
import { CATEGORY_LABEL, excerpt, formatAge } from "@/components/alerts/format";
import { useNow } from "@/components/alerts/use-now";
import { SeverityBadge, StatusBadge } from "@/components/status/badges";
import { Checkbox } from "@/components/ui/checkbox";

function AlertOption({
  alert,
  checked,
  onChange,
  now,
  note,
}: {
  alert: AlertRead;
  checked: boolean;
  onChange: (on: boolean) => void;
  now: number;
  note?: string | undefined;
}) {
  const id = useId();
  return (
    <li className="flex items-start gap-sm rounded-md p-sm hover:bg-muted">
      <Checkbox id={id} className="mt-1" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id} className="flex min-w-0 flex-1 cursor-pointer flex-col gap-2xs text-sm">
        <span className="flex flex-wrap items-center gap-xs">
          <span className="font-medium text-foreground">{CATEGORY_LABEL[alert.category]}</span>
          <SeverityBadge severity={alert.severity} />
          <StatusBadge status={alert.status} />
          <span className="text-xs text-muted-foreground">raised {formatAge(alert.created_at, now)}</span>
        </span>
        {alert.note ? <span className="text-xs text-muted-foreground">{excerpt(alert.note, 100)}</span> : null}
        {note ? <span className="text-xs font-medium text-foreground">{note}</span> : null}
      </label>
    </li>
  );
}

/** A checklist of alerts to group under an incident. */
export function AlertPicker({
  alerts,
  selected,
  onChange,
  noteFor,
  labelledBy,
}: {
  alerts: readonly AlertRead[];
  selected: readonly string[];
  onChange: (ids: string[]) => void;
  /** Extra words about an alert, e.g. that picking it moves it out of another incident. */
  noteFor?: (alert: AlertRead) => string | undefined;
  labelledBy: string;
}) {
  const now = useNow();
  return (
    <ul aria-labelledby={labelledBy} className="flex max-h-64 flex-col overflow-y-auto rounded-md border border-border">
      {alerts.map((alert) => (
        <AlertOption
          key={alert.id}
          alert={alert}
          now={now}
          checked={selected.includes(alert.id)}
          note={noteFor?.(alert)}
          onChange={(on) =>
            onChange(on ? [...selected, alert.id] : selected.filter((selectedId) => selectedId !== alert.id))
          }
        />
      ))}
    </ul>
  );
}
