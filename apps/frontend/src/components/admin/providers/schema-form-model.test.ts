import { errorsByPointer, fieldsOf, initialValues, labelOf, payloadOf } from "./schema-form-model";

// The schemas as GET /api/v1/notification-providers/kinds returns them (Pydantic's JSON Schema).
const SMTP_SETTINGS = {
  additionalProperties: false,
  properties: {
    host: { maxLength: 253, minLength: 1, title: "Host", type: "string" },
    port: { default: 587, maximum: 65535, minimum: 1, title: "Port", type: "integer" },
    security: { default: "starttls", enum: ["starttls", "tls", "none"], title: "Security", type: "string" },
    username: {
      anyOf: [{ maxLength: 320, minLength: 1, type: "string" }, { type: "null" }],
      default: null,
      title: "Username",
    },
    from_address: { maxLength: 320, title: "From Address", type: "string" },
    timeout_seconds: {
      anyOf: [{ exclusiveMinimum: 0, maximum: 120, type: "number" }, { type: "null" }],
      default: null,
      title: "Timeout Seconds",
    },
    tls_ca_pem: { anyOf: [{ maxLength: 65536, type: "string" }, { type: "null" }], default: null, title: "Tls Ca Pem" },
  },
  required: ["host", "from_address"],
  title: "SmtpSettings",
  type: "object",
};

const SMTP_SECRETS = {
  additionalProperties: false,
  properties: {
    password: {
      anyOf: [{ format: "password", type: "string", writeOnly: true }, { type: "null" }],
      default: null,
      title: "Password",
    },
  },
  title: "SmtpSecrets",
  type: "object",
};

const TWILIO_SECRETS = {
  properties: { auth_token: { maxLength: 128, minLength: 16, title: "Auth Token", type: "string" } },
  required: ["auth_token"],
  type: "object",
};

const HTTP_SMS_SECRETS = {
  properties: {
    api_key: { maxLength: 500, minLength: 8, type: "string" },
    webhook_secret: { maxLength: 200, minLength: 16, type: "string" },
  },
  required: ["api_key", "webhook_secret"],
  type: "object",
};

const APNS_SETTINGS = {
  properties: {
    team_id: { pattern: "^[A-Z0-9]{10}$", type: "string" },
    critical_alerts_entitled: { default: false, type: "boolean" },
  },
  required: ["team_id"],
  type: "object",
};

const FCM_SECRETS = {
  $defs: {
    ServiceAccount: {
      properties: { type: { const: "service_account", type: "string" }, private_key: { type: "string" } },
      required: ["type", "private_key"],
      type: "object",
    },
  },
  properties: {
    service_account: {
      $ref: "#/$defs/ServiceAccount",
      description: "The service account's JSON key, as Google gives it",
    },
  },
  required: ["service_account"],
  type: "object",
};

const smtpFields = () => [...fieldsOf(SMTP_SETTINGS, { secret: false }), ...fieldsOf(SMTP_SECRETS, { secret: true })];

describe("fieldsOf", () => {
  it("makes one input per property, in the schema's order", () => {
    expect(fieldsOf(SMTP_SETTINGS, { secret: false }).map((field) => field.name)).toEqual([
      "host",
      "port",
      "security",
      "username",
      "from_address",
      "timeout_seconds",
      "tls_ca_pem",
    ]);
  });

  it("picks the input kind from the property's type", () => {
    const kinds = Object.fromEntries(fieldsOf(SMTP_SETTINGS, { secret: false }).map((f) => [f.name, f.kind]));
    expect(kinds).toMatchObject({ host: "string", port: "integer", security: "enum", timeout_seconds: "number" });
  });

  it("offers a multi-line input for PEM certificates", () => {
    expect(fieldsOf(SMTP_SETTINGS, { secret: false }).find((f) => f.name === "tls_ca_pem")?.kind).toBe("text");
  });

  it("treats a nullable property as optional even when listed as required", () => {
    const fields = fieldsOf(SMTP_SETTINGS, { secret: false });
    expect(fields.filter((field) => field.required).map((field) => field.name)).toEqual(["host", "from_address"]);
  });

  it("reads the bounds of a nullable number", () => {
    expect(fieldsOf(SMTP_SETTINGS, { secret: false }).find((f) => f.name === "timeout_seconds")).toMatchObject({
      exclusiveMinimum: 0,
      maximum: 120,
    });
  });

  it("follows a $ref to a JSON object and asks for it as pasted JSON", () => {
    expect(fieldsOf(FCM_SECRETS, { secret: true })[0]).toMatchObject({
      name: "service_account",
      kind: "json",
      required: true,
      secret: true,
      hint: "The service account's JSON key, as Google gives it",
    });
  });

  it("lists the enum's choices", () => {
    expect(fieldsOf(SMTP_SETTINGS, { secret: false }).find((f) => f.name === "security")?.options).toEqual([
      "starttls",
      "tls",
      "none",
    ]);
  });

  it("has no inputs for a kind without settings", () => {
    expect(fieldsOf({ properties: {}, type: "object" }, { secret: false })).toEqual([]);
  });
});

describe("labelOf", () => {
  it("writes acronyms in capitals", () => {
    expect(labelOf("tls_ca_pem")).toBe("TLS CA PEM");
    expect(labelOf("api_base_url")).toBe("API base URL");
  });
});

describe("initialValues", () => {
  it("starts a new provider with the schema's defaults", () => {
    expect(initialValues(smtpFields())).toMatchObject({
      "settings.port": "587",
      "settings.security": "starttls",
      "settings.username": "",
    });
  });

  it("shows a stored provider's settings", () => {
    const values = initialValues(smtpFields(), { host: "mail.example.org", port: 465, security: "tls" });
    expect(values).toMatchObject({ "settings.host": "mail.example.org", "settings.port": "465" });
  });

  it("never fills a secret input, not even from stored settings", () => {
    expect(initialValues(smtpFields(), { host: "h", password: "leaked" })["secrets.password"]).toBe("");
  });

  it("starts a checkbox from its default", () => {
    expect(initialValues(fieldsOf(APNS_SETTINGS, { secret: false }))["settings.critical_alerts_entitled"]).toBe(false);
  });
});

describe("payloadOf", () => {
  const filledSmtp = {
    ...initialValues(smtpFields()),
    "settings.host": "mail.example.org",
    "settings.from_address": "sos@example.org",
  };

  it("sends typed numbers and leaves empty optional fields to their defaults", () => {
    const { settings, errors } = payloadOf(smtpFields(), filledSmtp, null);
    expect(errors).toEqual({});
    expect(settings).toEqual({
      host: "mail.example.org",
      port: 587,
      security: "starttls",
      from_address: "sos@example.org",
    });
  });

  it("names each missing required setting", () => {
    const { errors } = payloadOf(smtpFields(), initialValues(smtpFields()), null);
    expect(errors).toEqual({ "settings.host": "Enter the host.", "settings.from_address": "Enter the from address." });
  });

  it("refuses a number out of bounds", () => {
    const values = { ...filledSmtp, "settings.port": "70000" };
    expect(payloadOf(smtpFields(), values, null).errors["settings.port"]).toBe("Enter at most 65535.");
  });

  it("refuses a fraction for a whole number", () => {
    const values = { ...filledSmtp, "settings.port": "25.5" };
    expect(payloadOf(smtpFields(), values, null).errors["settings.port"]).toBe("Enter a whole number.");
  });

  it("checks the schema's pattern", () => {
    const fields = fieldsOf(APNS_SETTINGS, { secret: false });
    const values = { ...initialValues(fields), "settings.team_id": "abc" };
    expect(payloadOf(fields, values, null).errors["settings.team_id"]).toBe("This does not have the expected format.");
  });

  it("sends the secrets of a new provider", () => {
    const values = { ...filledSmtp, "secrets.password": "s3cret" };
    expect(payloadOf(smtpFields(), values, null).secrets).toEqual({ password: "s3cret" });
  });

  it("keeps stored secrets when their inputs are left empty", () => {
    expect(payloadOf(smtpFields(), filledSmtp, ["password"]).secrets).toBeUndefined();
  });

  it("replaces stored secrets when one is entered", () => {
    const values = { ...filledSmtp, "secrets.password": "new-password" };
    expect(payloadOf(smtpFields(), values, ["password"]).secrets).toEqual({ password: "new-password" });
  });

  it("asks for every required credential again when one of them is changed", () => {
    const fields = fieldsOf(HTTP_SMS_SECRETS, { secret: true });
    const values = { "secrets.api_key": "a-new-api-key", "secrets.webhook_secret": "" };
    expect(payloadOf(fields, values, ["api_key", "webhook_secret"]).errors).toEqual({
      "secrets.webhook_secret": "Enter this too: changing credentials replaces all of them.",
    });
  });

  it("requires a new provider's required credentials", () => {
    const fields = fieldsOf(TWILIO_SECRETS, { secret: true });
    expect(payloadOf(fields, { "secrets.auth_token": "" }, null).errors["secrets.auth_token"]).toBe(
      "Enter the auth token.",
    );
  });

  it("parses a pasted service-account JSON key into an object", () => {
    const fields = fieldsOf(FCM_SECRETS, { secret: true });
    const pasted = '{\n  "type": "service_account",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\nabc\\n"\n}\n';
    expect(payloadOf(fields, { "secrets.service_account": pasted }, null).secrets).toEqual({
      service_account: { type: "service_account", private_key: "-----BEGIN PRIVATE KEY-----\nabc\n" },
    });
  });

  it("says when the pasted JSON is broken", () => {
    const fields = fieldsOf(FCM_SECRETS, { secret: true });
    expect(payloadOf(fields, { "secrets.service_account": '{"type": ' }, null).errors["secrets.service_account"]).toBe(
      "Paste the JSON file as it is: this is not valid JSON.",
    );
  });

  it("keeps the line breaks of a PEM certificate", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    const values = { ...filledSmtp, "settings.tls_ca_pem": `${pem}\n` };
    expect(payloadOf(smtpFields(), values, null).settings.tls_ca_pem).toBe(pem);
  });
});

describe("errorsByPointer", () => {
  it("places a server's message on the setting its pointer names", () => {
    const body = {
      status: 422,
      errors: [
        {
          in: "body",
          pointer: "#/settings/host",
          type: "string_too_short",
          message: "String should have at least 1 character",
        },
        { in: "body", pointer: "#/name", type: "missing", message: "Field required" },
      ],
    };
    expect(errorsByPointer(body)).toEqual({
      "settings.host": "String should have at least 1 character",
      name: "Field required",
    });
  });
});
