import type { ProviderKindRead, ProviderRead } from "@sos/contracts";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeApi, json, renderWithClient, signInAs } from "@/components/admin/test-kit";
import { ProviderFormDialog } from "./provider-form-dialog";

const PROVIDER_ID = "01a21464-0000-7000-8000-0000000000b1";

const SMTP: ProviderKindRead = {
  kind: "smtp",
  channels: ["email"],
  configurable: true,
  receipts: false,
  settings_schema: {
    properties: {
      host: { maxLength: 253, minLength: 1, title: "Host", type: "string" },
      port: { default: 587, maximum: 65535, minimum: 1, title: "Port", type: "integer" },
      from_address: { maxLength: 320, title: "From Address", type: "string" },
    },
    required: ["host", "from_address"],
    type: "object",
  },
  secrets_schema: {
    properties: {
      password: {
        anyOf: [{ format: "password", type: "string", writeOnly: true }, { type: "null" }],
        default: null,
        title: "Password",
      },
    },
    type: "object",
  },
};

const stored: ProviderRead = {
  id: PROVIDER_ID,
  kind: "smtp",
  name: "Office SMTP",
  channels: ["email"],
  priority: 10,
  enabled: true,
  built_in: false,
  settings: { host: "mail.example.org", port: 587, from_address: "sos@example.org" },
  secret_fields: ["password"],
  rate_limit_per_second: null,
  version: 2,
  status_callback_url: null,
  inbound_url: null,
  health: {
    breaker: "closed",
    consecutive_failures: 0,
    attempts_last_hour: 0,
    failures_last_hour: 0,
    success_rate_last_hour: null,
    p95_latency_ms_last_hour: null,
    last_success_at: null,
    last_failure_at: null,
    last_error: null,
  },
};

beforeEach(() => signInAs("01a21464-0000-7000-8000-0000000000a1"));

it("never shows a stored password and says an empty input keeps it", async () => {
  fakeApi({});
  renderWithClient(<ProviderFormDialog open onOpenChange={() => undefined} kinds={[SMTP]} provider={stored} />);
  const password = await screen.findByLabelText("Password");
  expect(password).toHaveValue("");
  expect(password).toHaveAttribute("type", "password");
  expect(password).toHaveAccessibleDescription(/Stored — leave empty to keep it/);
});

it("saves changed settings without touching the stored password", async () => {
  const api = fakeApi({
    "PATCH /api/v1/notification-providers/:id": async (request) =>
      json({
        ...stored,
        settings: { ...stored.settings, ...((await request.json()) as { settings: object }).settings },
      }),
  });
  renderWithClient(<ProviderFormDialog open onOpenChange={() => undefined} kinds={[SMTP]} provider={stored} />);
  const host = await screen.findByLabelText("Host");
  await userEvent.clear(host);
  await userEvent.type(host, "smtp.example.org");
  await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
  await waitFor(() => expect(api.sent("PATCH", "/api/v1/notification-providers/:id")).toHaveLength(1));
  const body = (await api.sent("PATCH", "/api/v1/notification-providers/:id")[0]?.json()) as Record<string, unknown>;
  expect(body).not.toHaveProperty("secrets");
});

it("creates a provider with the typed settings and password", async () => {
  const api = fakeApi({
    "POST /api/v1/notification-providers": async () => json({ ...stored, name: "Relay" }, 201),
  });
  renderWithClient(<ProviderFormDialog open onOpenChange={() => undefined} kinds={[SMTP]} />);
  await userEvent.type(await screen.findByLabelText("Name"), "Relay");
  await userEvent.type(screen.getByLabelText("Host"), "127.0.0.1");
  await userEvent.clear(screen.getByLabelText("Port (optional)"));
  await userEvent.type(screen.getByLabelText("Port (optional)"), "2525");
  await userEvent.type(screen.getByLabelText("From address"), "sos@example.org");
  await userEvent.type(screen.getByLabelText("Password"), "s3cret-pass");
  await userEvent.click(screen.getByRole("button", { name: "Add provider" }));
  await waitFor(() => expect(api.sent("POST", "/api/v1/notification-providers")).toHaveLength(1));
  expect(await api.sent("POST", "/api/v1/notification-providers")[0]?.json()).toEqual({
    kind: "smtp",
    name: "Relay",
    priority: 100,
    enabled: true,
    rate_limit_per_second: null,
    settings: { host: "127.0.0.1", port: 2525, from_address: "sos@example.org" },
    secrets: { password: "s3cret-pass" },
  });
});

it("shows the server's message next to the setting it names", async () => {
  fakeApi({
    "POST /api/v1/notification-providers": () =>
      json(
        {
          type: "urn:sos:problem:validation",
          title: "Invalid request",
          status: 422,
          detail: "1 field is invalid.",
          errors: [
            { in: "body", pointer: "#/settings/from_address", type: "value_error", message: "not an email address" },
          ],
        },
        422,
      ),
  });
  renderWithClient(<ProviderFormDialog open onOpenChange={() => undefined} kinds={[SMTP]} />);
  await userEvent.type(await screen.findByLabelText("Name"), "Relay");
  await userEvent.type(screen.getByLabelText("Host"), "mail.example.org");
  await userEvent.type(screen.getByLabelText("From address"), "nobody");
  await userEvent.click(screen.getByRole("button", { name: "Add provider" }));
  expect(await screen.findByLabelText("From address")).toHaveAccessibleDescription("Not an email address");
});
