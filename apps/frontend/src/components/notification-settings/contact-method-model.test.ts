import type { ContactMethodRead } from "@sos/contracts";
import { bodyOf, methodState, validateDraft } from "./contact-method-model";

const base: ContactMethodRead = {
  id: "01a21464-0000-7000-8000-0000000000e1",
  channel: "sms",
  label: "Phone",
  address: "+4930123456",
  verified: true,
  verified_at: "2026-11-25T20:27:41Z",
  opted_out: false,
  disabled_reason: null,
  created_at: "2026-11-25T20:27:41Z",
};

describe("methodState", () => {
  it("calls a verified method verified", () => {
    expect(methodState(base)).toBe("verified");
  });

  it("calls a method waiting for its code unverified", () => {
    expect(methodState({ ...base, verified: false, verified_at: null })).toBe("unverified");
  });

  it("shows a number that replied STOP as opted out, even though it was verified", () => {
    expect(methodState({ ...base, opted_out: true })).toBe("opted_out");
  });

  it("shows a method the platform stopped using as disabled above everything else", () => {
    expect(methodState({ ...base, opted_out: true, disabled_reason: "The push subscription expired" })).toBe(
      "disabled",
    );
  });
});

describe("validateDraft", () => {
  it("asks for a name", () => {
    expect(validateDraft({ channel: "email", label: " ", address: "a@example.org" }).label).toBe(
      "Enter a name for it, such as “Work phone”.",
    );
  });

  it("asks for a phone number with its country code", () => {
    expect(validateDraft({ channel: "sms", label: "Phone", address: "030 1234567" }).address).toBe(
      "Enter the number with + and the country code, such as +49 30 1234567.",
    );
  });

  it("puts a chat webhook's error on the webhook URL", () => {
    expect(validateDraft({ channel: "slack", label: "Ops", address: "" })).toEqual({
      webhook_url: "Paste the webhook URL.",
    });
  });

  it("accepts a complete email address", () => {
    expect(validateDraft({ channel: "email", label: "Work", address: "rita@example.org" })).toEqual({});
  });
});

describe("bodyOf", () => {
  it("sends a chat webhook as webhook_url", () => {
    expect(bodyOf({ channel: "teams", label: " Ops ", address: " https://x.webhook.office.com/a " })).toEqual({
      channel: "teams",
      label: "Ops",
      webhook_url: "https://x.webhook.office.com/a",
    });
  });

  it("sends a voice number as its address", () => {
    expect(bodyOf({ channel: "voice", label: "Phone", address: "+49 30 1234567" })).toEqual({
      channel: "voice",
      label: "Phone",
      address: "+49 30 1234567",
    });
  });
});
