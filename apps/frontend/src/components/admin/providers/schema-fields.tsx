"use client";

import { Checkbox } from "@/components/ui/checkbox";
import { Input, Select, Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { inputKey, type FormErrors, type FormValues, type SchemaField } from "./schema-form-model";

function hintOf(field: SchemaField, stored: boolean): string | undefined {
  const parts: string[] = [];
  if (field.hint) parts.push(field.hint.endsWith(".") ? field.hint : `${field.hint}.`);
  if (field.kind === "json") parts.push("Paste the whole JSON file.");
  if (field.secret)
    parts.push(stored ? "Stored — leave empty to keep it. It is never shown again." : "Write-only: never shown again.");
  return parts.length ? parts.join(" ") : undefined;
}

const describedBy = (id: string, hint: boolean, error: boolean): string | undefined =>
  [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;

/** The inputs a kind's schema asks for; secrets are password inputs (or text areas) that never show a value. */
export function SchemaFields({
  idPrefix,
  fields,
  values,
  errors,
  storedSecrets,
  onChange,
}: {
  idPrefix: string;
  fields: readonly SchemaField[];
  values: FormValues;
  errors: FormErrors;
  storedSecrets: readonly string[];
  onChange: (key: string, value: string | boolean) => void;
}) {
  return (
    <>
      {fields.map((field) => {
        const key = inputKey(field);
        const id = `${idPrefix}-${key.replace(".", "-")}`;
        const error = errors[key];
        const hint = hintOf(field, storedSecrets.includes(field.name));
        const value = values[key];
        const common = {
          id,
          name: key,
          "aria-invalid": Boolean(error),
          "aria-describedby": describedBy(id, Boolean(hint), Boolean(error)),
          "aria-required": field.required || undefined,
        };
        if (field.kind === "boolean") {
          return (
            <div key={key} className="flex flex-col gap-xs">
              <div className="flex items-center gap-sm">
                <Checkbox
                  {...common}
                  checked={value === true}
                  onChange={(event) => onChange(key, event.target.checked)}
                />
                <label htmlFor={id} className="text-sm font-medium text-foreground">
                  {field.label}
                </label>
              </div>
              {hint ? (
                <p id={`${id}-hint`} className="text-xs text-muted-foreground">
                  {hint}
                </p>
              ) : null}
            </div>
          );
        }
        const text = typeof value === "string" ? value : "";
        const label = field.required ? field.label : `${field.label} (optional)`;
        return (
          <Field
            key={key}
            id={id}
            label={field.secret || field.required ? field.label : label}
            hint={hint}
            error={error}
          >
            {field.kind === "enum" ? (
              <Select {...common} value={text} onChange={(event) => onChange(key, event.target.value)}>
                {field.required || field.defaultValue !== undefined ? null : <option value="">Not set</option>}
                {field.options?.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </Select>
            ) : field.kind === "text" || field.kind === "json" ? (
              <Textarea
                {...common}
                value={text}
                rows={field.kind === "json" ? 8 : 5}
                spellCheck={false}
                autoComplete="off"
                className="font-mono text-xs"
                onChange={(event) => onChange(key, event.target.value)}
              />
            ) : (
              <Input
                {...common}
                type={field.secret ? "password" : field.kind === "string" ? "text" : "number"}
                inputMode={field.kind === "integer" ? "numeric" : field.kind === "number" ? "decimal" : undefined}
                autoComplete={field.secret ? "new-password" : "off"}
                spellCheck={false}
                value={text}
                onChange={(event) => onChange(key, event.target.value)}
              />
            )}
          </Field>
        );
      })}
    </>
  );
}
