"use client";

import type { MemberCreated, Role } from "@sos/contracts";
import { UserPlus } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from "@/components/ui/dialog";
import { Input, Select } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useCreateMember } from "@/lib/queries/users";
import { ROLE_LABEL } from "@/lib/roles";
import { notify } from "@/lib/toast";
import { withCodeOnField, type FieldErrors } from "./field-errors";
import { InvitationToken } from "./invitation-token";
import { describedBy, ROLES, validateMember, type MemberDraft } from "./member-form";

const EMPTY: MemberDraft = { email: "", full_name: "", phone: "", role: "responder", password: "" };

/** Adds a member. Without a password they are invited, and the one-time invitation token is shown here. */
export function CreateMemberDialog() {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<MemberDraft>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<MemberCreated | null>(null);
  const create = useCreateMember();
  const id = useId();

  const reset = () => {
    setDraft(EMPTY);
    setErrors({});
    setFormError(null);
    setCreated(null);
    create.reset();
  };

  const onOpenChange = (next: boolean) => {
    if (create.isPending) return;
    setOpen(next);
    if (!next) reset();
  };

  const set = (name: keyof MemberDraft) => (value: string) => {
    setDraft((current) => ({ ...current, [name]: value }));
    setErrors((current) => ({ ...current, [name]: undefined }));
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateMember(draft, { withPassword: true });
    setErrors(found);
    setFormError(null);
    if (Object.values(found).some(Boolean)) return;
    create.mutate(
      {
        email: draft.email.trim(),
        full_name: draft.full_name.trim(),
        role: draft.role,
        ...(draft.phone.trim() ? { phone: draft.phone.trim() } : {}),
        ...(draft.password ? { password: draft.password } : {}),
      },
      {
        onSuccess: (member) => {
          if (member.invitation_token) {
            setCreated(member);
            return;
          }
          notify({ tone: "success", title: `${member.full_name} added`, description: "They can sign in now." });
          setOpen(false);
          reset();
        },
        onError: (error) => {
          const fields = withCodeOnField(error, { already_exists: "email" });
          setErrors(fields);
          if (!Object.values(fields).some(Boolean))
            setFormError(error instanceof ApiProblem ? describeProblem(error) : "Adding the member failed. Try again.");
        },
      },
    );
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <UserPlus aria-hidden="true" /> Add member
        </Button>
      </DialogTrigger>
      <DialogContent
        title={created ? `${created.full_name} is invited` : "Add a member"}
        description={
          created
            ? "Their membership stays “invited” until they accept with this token."
            : "Give a password to make them active at once, or leave it empty to invite them with a one-time token."
        }
      >
        {created?.invitation_token ? (
          <>
            <InvitationToken
              token={created.invitation_token}
              email={created.email}
              expiresAt={created.invitation_expires_at}
            />
            <div className="flex justify-end">
              <DialogClose asChild>
                <Button>Done</Button>
              </DialogClose>
            </div>
          </>
        ) : (
          <form noValidate onSubmit={onSubmit} className="flex flex-col gap-md">
            <Field id={`${id}-email`} label="Email" error={errors.email}>
              <Input
                id={`${id}-email`}
                type="email"
                autoComplete="off"
                required
                value={draft.email}
                onChange={(event) => set("email")(event.target.value)}
                aria-invalid={Boolean(errors.email)}
                aria-describedby={describedBy(`${id}-email`, { error: errors.email })}
              />
            </Field>
            <Field id={`${id}-name`} label="Full name" error={errors.full_name}>
              <Input
                id={`${id}-name`}
                autoComplete="off"
                required
                maxLength={200}
                value={draft.full_name}
                onChange={(event) => set("full_name")(event.target.value)}
                aria-invalid={Boolean(errors.full_name)}
                aria-describedby={describedBy(`${id}-name`, { error: errors.full_name })}
              />
            </Field>
            <Field
              id={`${id}-role`}
              label="Role"
              hint="Responders take assignments; coordinators triage and dispatch; administrators also manage members."
              error={errors.role}
            >
              <Select
                id={`${id}-role`}
                value={draft.role}
                onChange={(event) => set("role")(event.target.value as Role)}
                aria-describedby={describedBy(`${id}-role`, { hint: true, error: errors.role })}
              >
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {ROLE_LABEL[role]}
                  </option>
                ))}
              </Select>
            </Field>
            <Field
              id={`${id}-phone`}
              label="Phone (optional)"
              hint="Digits, optional leading +, e.g. +49 30 1234567"
              error={errors.phone}
            >
              <Input
                id={`${id}-phone`}
                type="tel"
                autoComplete="off"
                value={draft.phone}
                onChange={(event) => set("phone")(event.target.value)}
                aria-invalid={Boolean(errors.phone)}
                aria-describedby={describedBy(`${id}-phone`, { hint: true, error: errors.phone })}
              />
            </Field>
            <Field
              id={`${id}-password`}
              label="Password (optional)"
              hint="At least 12 characters. Leave empty to invite them instead."
              error={errors.password}
            >
              <Input
                id={`${id}-password`}
                type="password"
                autoComplete="new-password"
                value={draft.password}
                onChange={(event) => set("password")(event.target.value)}
                aria-invalid={Boolean(errors.password)}
                aria-describedby={describedBy(`${id}-password`, { hint: true, error: errors.password })}
              />
            </Field>
            <DialogFooter error={formError} busy={create.isPending}>
              <Button type="submit" disabled={create.isPending}>
                {create.isPending ? "Adding…" : draft.password ? "Add member" : "Invite member"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
