import type { ContactMethodRead, NotificationChannel } from "@sos/contracts";
import type { NewContactMethod } from "@/lib/queries/contact-methods";

export const CHANNEL_LABEL: Record<NotificationChannel, string> = {
  in_app: "In the app",
  email: "Email",
  sms: "SMS",
  voice: "Voice call",
  web_push: "Browser push",
  fcm: "App push",
  apns: "iPhone push",
  slack: "Slack",
  teams: "Microsoft Teams",
  mattermost: "Mattermost",
};

export type MethodState = "verified" | "unverified" | "opted_out" | "disabled";

/** What a method can do now: only verified methods that are neither opted out nor disabled are used for pages. */
export function methodState(method: ContactMethodRead): MethodState {
  if (method.disabled_reason) return "disabled";
  if (method.opted_out) return "opted_out";
  return method.verified ? "verified" : "unverified";
}

export const STATE_TEXT: Record<MethodState, { label: string; explanation: string }> = {
  verified: { label: "Verified", explanation: "Used for pages." },
  unverified: { label: "Not verified", explanation: "Enter the code that was sent to it; until then it is not used." },
  opted_out: {
    label: "Opted out",
    explanation: "This number replied STOP. Nothing is sent to it until you verify it again.",
  },
  disabled: { label: "Disabled", explanation: "It stopped working and is no longer used." },
};

export const usable = (method: ContactMethodRead): boolean => methodState(method) === "verified";

/** Kinds a person adds by typing an address; push targets register themselves from the device. */
export type AddableChannel = "email" | "sms" | "voice" | "slack" | "teams" | "mattermost";
export const ADDABLE: readonly AddableChannel[] = ["email", "sms", "voice", "slack", "teams", "mattermost"];

export const isChat = (channel: AddableChannel): channel is "slack" | "teams" | "mattermost" =>
  channel === "slack" || channel === "teams" || channel === "mattermost";

export interface MethodDraft {
  channel: AddableChannel;
  label: string;
  address: string;
}

export type DraftErrors = Partial<Record<"label" | "address" | "webhook_url", string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+[0-9][0-9 ().-]{5,30}$/;

export const ADDRESS_HINT: Record<AddableChannel, string> = {
  email: "Such as name@example.org. A code is emailed to it.",
  sms: "In international format with the country code, such as +49 30 1234567. A code is sent by SMS.",
  voice: "In international format with the country code, such as +49 30 1234567. A call reads out a code.",
  slack: "The channel's incoming webhook URL, https://hooks.slack.com/services/…. It is never shown again.",
  teams: "The Workflows or incoming webhook URL of the Teams channel. It is never shown again.",
  mattermost: "The incoming webhook URL, https://<your server>/hooks/…. It is never shown again.",
};

/** The checks the API makes, before sending, so the messages appear next to the inputs at once. */
export function validateDraft(draft: MethodDraft): DraftErrors {
  const errors: DraftErrors = {};
  const label = draft.label.trim();
  if (!label) errors.label = "Enter a name for it, such as “Work phone”.";
  else if (label.length > 80) errors.label = "Use at most 80 characters.";
  const address = draft.address.trim();
  const key = isChat(draft.channel) ? "webhook_url" : "address";
  if (!address) errors[key] = isChat(draft.channel) ? "Paste the webhook URL." : "Enter the address.";
  else if (draft.channel === "email" && (!EMAIL.test(address) || address.length > 320))
    errors[key] = "Enter an email address such as name@example.org.";
  else if ((draft.channel === "sms" || draft.channel === "voice") && !PHONE.test(address))
    errors[key] = "Enter the number with + and the country code, such as +49 30 1234567.";
  else if (isChat(draft.channel) && (!/^https?:\/\/\S+$/.test(address) || address.length > 2048))
    errors[key] = "Paste the whole URL, starting with https://.";
  return errors;
}

export function bodyOf(draft: MethodDraft): NewContactMethod {
  const label = draft.label.trim();
  const address = draft.address.trim();
  if (isChat(draft.channel)) return { channel: draft.channel, label, webhook_url: address };
  if (draft.channel === "email") return { channel: "email", label, address };
  return { channel: draft.channel, label, address };
}
