"use client";

import { Check } from "lucide-react";
import type { ReactNode } from "react";

/**
 * A checkbox that looks like a pill: the check mark, not only the colour, shows that it is on. The count, when
 * given, is part of its name ("Triggered, 3").
 */
export function FilterChip({
  label,
  checked,
  onChange,
  count,
  icon,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  count?: number | string;
  icon?: ReactNode;
}) {
  return (
    <label className="inline-flex h-9 cursor-pointer select-none items-center gap-xs rounded-full border border-input bg-background px-md text-sm text-foreground hover:bg-muted has-[:checked]:border-primary has-[:checked]:bg-primary has-[:checked]:text-primary-foreground has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring has-[:focus-visible]:ring-offset-2 has-[:focus-visible]:ring-offset-background">
      <input
        type="checkbox"
        className="sr-only"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      {checked ? <Check aria-hidden="true" className="size-3.5" /> : icon}
      <span>{label}</span>
      {count !== undefined ? (
        <span className="rounded-full bg-muted px-xs text-xs font-semibold tabular-nums text-foreground">
          <span className="sr-only">, </span>
          {count}
        </span>
      ) : null}
    </label>
  );
}

/** A labelled group of filter chips. */
export function FilterGroup({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="flex min-w-0 flex-col gap-xs">
      <legend className="mb-xs text-xs font-semibold uppercase tracking-wide text-muted-foreground">{legend}</legend>
      <div className="flex flex-wrap gap-xs">{children}</div>
    </fieldset>
  );
}
