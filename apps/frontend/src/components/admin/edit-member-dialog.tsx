"use client";

import type { MemberRead } from "@sos/contracts";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useUpdateProfile } from "@/lib/queries/users";
import { notify } from "@/lib/toast";
import { fieldErrorsOf, type FieldErrors } from "./field-errors";
import { describedBy, validateFullName, validatePhone } from "./member-form";

/** Edits a member's name and phone (their role is changed in the list). Mount it when it opens. */
export function EditMemberDialog({
  member,
  open,
  onOpenChange,
}: {
  member: MemberRead;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const id = useId();
  const [fullName, setFullName] = useState(member.full_name);
  const [phone, setPhone] = useState(member.phone ?? "");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const update = useUpdateProfile();

  const close = (next: boolean) => (update.isPending ? undefined : onOpenChange(next));

  const unchanged = fullName.trim() === member.full_name && (phone.trim() || null) === member.phone;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = { full_name: validateFullName(fullName), phone: validatePhone(phone) };
    setErrors(found);
    setFormError(null);
    if (Object.values(found).some(Boolean) || unchanged) return;
    update.mutate(
      { member, full_name: fullName.trim(), phone: phone.trim() || null },
      {
        onSuccess: (updated) => {
          notify({ tone: "success", title: `${updated.full_name} updated` });
          onOpenChange(false);
        },
        onError: (error) => {
          const fields = fieldErrorsOf(error);
          setErrors(fields);
          if (!Object.values(fields).some(Boolean))
            setFormError(error instanceof ApiProblem ? describeProblem(error) : "Saving failed. Try again.");
        },
      },
    );
  };

  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent title={`Edit ${member.full_name}`} description={member.email}>
        <form noValidate onSubmit={onSubmit} className="flex flex-col gap-md">
          <Field id={`${id}-name`} label="Full name" error={errors.full_name}>
            <Input
              id={`${id}-name`}
              required
              maxLength={200}
              value={fullName}
              onChange={(event) => setFullName(event.target.value)}
              aria-invalid={Boolean(errors.full_name)}
              aria-describedby={describedBy(`${id}-name`, { error: errors.full_name })}
            />
          </Field>
          <Field id={`${id}-phone`} label="Phone (optional)" hint="Leave empty to remove it." error={errors.phone}>
            <Input
              id={`${id}-phone`}
              type="tel"
              value={phone}
              onChange={(event) => setPhone(event.target.value)}
              aria-invalid={Boolean(errors.phone)}
              aria-describedby={describedBy(`${id}-phone`, { hint: true, error: errors.phone })}
            />
          </Field>
          <DialogFooter error={formError} busy={update.isPending}>
            <Button type="submit" disabled={update.isPending || unchanged}>
              {update.isPending ? "Saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
