/**
 * The provider form, generated from a kind's JSON Schemas (GET /notification-providers/kinds): which fields to show,
 * their values as typed, and the settings and secrets to send. Secrets are write-only: the server never returns them,
 * so their inputs start empty and an empty input keeps what is stored.
 */

export type FieldKind = "string" | "text" | "integer" | "number" | "boolean" | "enum" | "json";

export interface SchemaField {
  name: string;
  label: string;
  hint?: string;
  kind: FieldKind;
  required: boolean;
  secret: boolean;
  options?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxLength?: number;
  pattern?: string;
  defaultValue?: unknown;
}

/** What the inputs hold: text for every field but checkboxes. */
export type FormValues = Record<string, string | boolean>;
/** Messages by input key ("settings.host", "secrets.password", "name"). */
export type FormErrors = Partial<Record<string, string>>;

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);

const WORDS: Record<string, string> = {
  id: "ID",
  url: "URL",
  api: "API",
  tls: "TLS",
  ca: "CA",
  pem: "PEM",
  sid: "SID",
  smtp: "SMTP",
  sms: "SMS",
};

/** "tls_ca_pem" → "TLS CA PEM", "from_address" → "From address". */
export function labelOf(name: string): string {
  const words = name.split("_").filter(Boolean);
  return words
    .map((word, index) => WORDS[word] ?? (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(" ");
}

/** PEM keys and certificates, and other long values, are pasted as several lines. */
const MULTI_LINE_NAME = /(pem|private_key|signing_key|certificate)/;
const MULTI_LINE_LENGTH = 1000;

function resolve(property: Schema, root: Schema): Schema {
  const ref = text(property.$ref);
  if (!ref?.startsWith("#/$defs/")) return property;
  const defs = isSchema(root.$defs) ? root.$defs : {};
  const target = defs[ref.slice("#/$defs/".length)];
  return isSchema(target) ? { ...target, ...property, $ref: undefined } : property;
}

/** The one non-null branch of `anyOf: [X, {type: "null"}]`, and whether null was allowed. */
function unwrapNullable(property: Schema): { schema: Schema; nullable: boolean } {
  if (!Array.isArray(property.anyOf)) return { schema: property, nullable: false };
  const branches = property.anyOf.filter(isSchema);
  const other = branches.filter((branch) => branch.type !== "null");
  const nullable = other.length < branches.length;
  if (other.length !== 1 || !other[0]) return { schema: property, nullable };
  const { anyOf: _anyOf, ...rest } = property;
  return { schema: { ...other[0], ...rest }, nullable };
}

function kindOf(name: string, schema: Schema): FieldKind {
  if (Array.isArray(schema.enum)) return "enum";
  switch (schema.type) {
    case "boolean":
      return "boolean";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "object":
      return "json";
    default: {
      const long = (num(schema.maxLength) ?? 0) > MULTI_LINE_LENGTH;
      return long || MULTI_LINE_NAME.test(name) ? "text" : "string";
    }
  }
}

/** The inputs for one of a kind's schemas (settings, or secrets with `secret: true`), in the schema's order. */
export function fieldsOf(schema: unknown, { secret }: { secret: boolean }): SchemaField[] {
  if (!isSchema(schema) || !isSchema(schema.properties)) return [];
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.filter((each) => typeof each === "string") : [],
  );
  return Object.entries(schema.properties).flatMap(([name, raw]) => {
    if (!isSchema(raw)) return [];
    const { schema: property, nullable } = unwrapNullable(resolve(raw, schema));
    const kind = kindOf(name, property);
    const field: SchemaField = {
      name,
      label: labelOf(name),
      kind,
      required: required.has(name) && !nullable,
      secret,
    };
    const hint = text(property.description);
    if (hint) field.hint = hint;
    if (kind === "enum") field.options = (property.enum as unknown[]).map(String);
    const minimum = num(property.minimum);
    const maximum = num(property.maximum);
    const exclusiveMinimum = num(property.exclusiveMinimum);
    const maxLength = num(property.maxLength);
    const pattern = text(property.pattern);
    if (minimum !== undefined) field.minimum = minimum;
    if (maximum !== undefined) field.maximum = maximum;
    if (exclusiveMinimum !== undefined) field.exclusiveMinimum = exclusiveMinimum;
    if (maxLength !== undefined) field.maxLength = maxLength;
    if (pattern) field.pattern = pattern;
    if (property.default !== undefined && property.default !== null) field.defaultValue = property.default;
    return [field];
  });
}

export const inputKey = (field: Pick<SchemaField, "name" | "secret">): string =>
  `${field.secret ? "secrets" : "settings"}.${field.name}`;

function shown(field: SchemaField, value: unknown): string | boolean {
  if (field.kind === "boolean") return value === true;
  if (value === undefined || value === null) return "";
  if (field.kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

/**
 * The inputs' first values: for a new provider the schema's defaults, for a stored one its settings. Secrets always
 * start empty, since they are never returned.
 */
export function initialValues(fields: readonly SchemaField[], settings?: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const current = field.secret ? undefined : settings ? settings[field.name] : field.defaultValue;
    values[inputKey(field)] = shown(field, current ?? (field.kind === "boolean" ? field.defaultValue : undefined));
  }
  return values;
}

type Parsed = { value: unknown } | { error: string } | { empty: true };

function parse(field: SchemaField, raw: string | boolean | undefined): Parsed {
  if (field.kind === "boolean") return { value: raw === true };
  const typed = typeof raw === "string" ? raw : "";
  // Keys and certificates keep their line breaks; other values lose stray spaces from copying.
  const value = field.kind === "text" || field.kind === "json" ? typed.replace(/^\s+|\s+$/g, "") : typed.trim();
  if (!value) return { empty: true };
  switch (field.kind) {
    case "integer":
    case "number": {
      const number = Number(value);
      if (!Number.isFinite(number) || (field.kind === "integer" && !Number.isInteger(number)))
        return { error: field.kind === "integer" ? "Enter a whole number." : "Enter a number." };
      if (field.minimum !== undefined && number < field.minimum) return { error: `Enter at least ${field.minimum}.` };
      if (field.maximum !== undefined && number > field.maximum) return { error: `Enter at most ${field.maximum}.` };
      if (field.exclusiveMinimum !== undefined && number <= field.exclusiveMinimum)
        return { error: `Enter more than ${field.exclusiveMinimum}.` };
      return { value: number };
    }
    case "json": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return { error: "Paste the JSON file as it is: this is not valid JSON." };
      }
      return isSchema(parsed) ? { value: parsed } : { error: "Paste the whole JSON object, from { to }." };
    }
    case "enum":
      return field.options?.includes(value) ? { value } : { error: `Choose one of ${field.options?.join(", ")}.` };
    default: {
      if (field.maxLength !== undefined && value.length > field.maxLength)
        return { error: `Use at most ${field.maxLength} characters.` };
      if (field.pattern && !matches(field.pattern, value)) return { error: "This does not have the expected format." };
      return { value };
    }
  }
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true; // a pattern this browser cannot read is left to the server
  }
}

export interface Payload {
  settings: Record<string, unknown>;
  /** Undefined when the stored credentials are kept. */
  secrets: Record<string, unknown> | undefined;
  errors: FormErrors;
}

/**
 * The settings and secrets to send, or the messages to show next to the inputs.
 *
 * `storedSecrets` is null for a new provider: its required credentials must be entered. For a stored one, empty
 * secret inputs keep the stored credentials; since the server replaces all of them at once, entering any one means
 * the other required ones must be entered again too.
 */
export function payloadOf(
  fields: readonly SchemaField[],
  values: FormValues,
  storedSecrets: readonly string[] | null,
): Payload {
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  const errors: FormErrors = {};
  const secretFields = fields.filter((field) => field.secret);
  const replacingSecrets =
    storedSecrets === null || secretFields.some((field) => !("empty" in parse(field, values[inputKey(field)])));
  for (const field of fields) {
    const key = inputKey(field);
    if (field.secret && !replacingSecrets) continue;
    const parsed = parse(field, values[key]);
    if ("error" in parsed) errors[key] = parsed.error;
    else if ("empty" in parsed) {
      if (field.required)
        errors[key] =
          field.secret && storedSecrets !== null
            ? "Enter this too: changing credentials replaces all of them."
            : `Enter the ${field.label.charAt(0).toLowerCase()}${field.label.slice(1)}.`;
    } else (field.secret ? secrets : settings)[field.name] = parsed.value;
  }
  return { settings, secrets: replacingSecrets ? secrets : undefined, errors };
}

/** The input key a problem's pointer names: "#/settings/host" → "settings.host", "#/name" → "name". */
export function errorsByPointer(body: unknown): FormErrors {
  if (!isSchema(body) || !Array.isArray(body.errors)) return {};
  const found: FormErrors = {};
  for (const item of body.errors) {
    if (!isSchema(item) || typeof item.pointer !== "string" || typeof item.message !== "string") continue;
    const [first, second] = item.pointer.replace(/^#\/?/, "").split("/");
    if (!first) continue;
    const key = (first === "settings" || first === "secrets") && second ? `${first}.${second}` : first;
    const message = item.message.replace(/^Value error, /, "");
    found[key] ??= message.charAt(0).toUpperCase() + message.slice(1);
  }
  return found;
}
