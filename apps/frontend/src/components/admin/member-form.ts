import type { Role } from "@sos/contracts";
import type { FieldErrors } from "./field-errors";

export const ROLES: readonly Role[] = ["responder", "coordinator", "admin", "reporter"];

export interface MemberDraft {
  email: string;
  full_name: string;
  phone: string;
  role: Role;
  password: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The API's phone rule: digits with an optional leading +, spaces, dots, dashes and parentheses. */
export const PHONE = /^\+?[0-9][0-9 ().-]*$/;

export function validatePhone(phone: string): string | undefined {
  const value = phone.trim();
  if (!value) return undefined;
  if (value.length < 3 || value.length > 32) return "Enter 3 to 32 characters.";
  if (!PHONE.test(value)) return "Use digits, with an optional leading + and spaces, dots, dashes or parentheses.";
  return undefined;
}

export function validateFullName(name: string): string | undefined {
  if (!name.trim()) return "Enter their full name.";
  if (name.trim().length > 200) return "Use at most 200 characters.";
  return undefined;
}

/** The same rules the API applies, checked before sending so the person sees them next to the fields at once. */
export function validateMember(draft: MemberDraft, { withPassword }: { withPassword: boolean }): FieldErrors {
  const email = draft.email.trim();
  return {
    email: !email
      ? "Enter their email address."
      : EMAIL.test(email)
        ? undefined
        : "Enter an email address such as name@example.org.",
    full_name: validateFullName(draft.full_name),
    phone: validatePhone(draft.phone),
    password:
      withPassword && draft.password && draft.password.length < 12
        ? "Use at least 12 characters, or leave it empty."
        : undefined,
  };
}

/** The ids a field's hint and error paragraphs get from `Field`, for aria-describedby. */
export function describedBy(id: string, { hint = false, error }: { hint?: boolean; error?: string | undefined }) {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}
