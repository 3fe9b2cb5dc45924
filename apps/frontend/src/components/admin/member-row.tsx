"use client";

import type { MemberRead, Role } from "@sos/contracts";
import { MailPlus, Pencil, UserCheck, UserX } from "lucide-react";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/input";
import { useChangeRole, useReactivateMember } from "@/lib/queries/users";
import { ROLE_LABEL } from "@/lib/roles";
import { notify, notifyError } from "@/lib/toast";
import { EditMemberDialog } from "./edit-member-dialog";
import { formatDateTime } from "./format";
import { DeactivateMemberDialog, RenewInvitationDialog } from "./member-dialogs";
import { ROLES } from "./member-form";
import { MembershipStatusBadge } from "./membership-status";

function statusDetail(member: MemberRead, now: number): string {
  if (member.status === "invited") {
    if (!member.invitation_expires_at) return "No valid invitation: renew it";
    const expires = Date.parse(member.invitation_expires_at);
    return expires < now
      ? `Invitation expired ${formatDateTime(member.invitation_expires_at)}`
      : `Invitation expires ${formatDateTime(member.invitation_expires_at)}`;
  }
  if (member.status === "deactivated")
    return member.deactivated_at ? `Since ${formatDateTime(member.deactivated_at)}` : "Deactivated";
  return member.last_login_at ? `Last sign-in ${formatDateTime(member.last_login_at)}` : "Never signed in";
}

/** The grid the list header and every row share, so columns line up on wide screens and stack on narrow ones. */
export const MEMBER_GRID =
  "grid grid-cols-2 gap-sm md:grid-cols-[minmax(0,2fr)_11rem_minmax(0,1.4fr)_minmax(0,auto)] md:items-center md:gap-md";

/** One member: role change in place, and the actions their status allows. Your own row cannot lock you out. */
export function MemberRow({ member, isSelf }: { member: MemberRead; isSelf: boolean }) {
  const id = useId();
  const changeRole = useChangeRole();
  const reactivate = useReactivateMember();
  const [dialog, setDialog] = useState<"edit" | "deactivate" | "renew" | null>(null);
  const [now] = useState(() => Date.now());
  const dialogProps = (name: "edit" | "deactivate" | "renew") => ({
    member,
    open: dialog === name,
    onOpenChange: (open: boolean) => setDialog(open ? name : null),
  });

  const onRole = (role: Role) =>
    changeRole.mutate(
      { member, role },
      {
        onSuccess: (updated) =>
          notify({ tone: "success", title: `${updated.full_name} is now ${ROLE_LABEL[updated.role].toLowerCase()}` }),
        onError: (error) => notifyError(`Could not change the role of ${member.full_name}`, error),
      },
    );

  const onReactivate = () =>
    reactivate.mutate(member, {
      onSuccess: (updated) =>
        notify({
          tone: "success",
          title: `${updated.full_name} reactivated`,
          description:
            updated.status === "invited"
              ? "They never set a password, so they are invited again: renew their invitation to hand them a token."
              : "They can sign in again.",
        }),
      onError: (error) => notifyError(`Could not reactivate ${member.full_name}`, error),
    });

  return (
    <li className={`${MEMBER_GRID} px-md py-md`}>
      <div className="col-span-2 min-w-0 md:col-span-1">
        <p className="flex flex-wrap items-center gap-xs font-medium text-foreground">
          {member.full_name}
          {isSelf ? (
            <span className="rounded-full border border-input px-sm text-xs font-medium text-muted-foreground">
              You
            </span>
          ) : null}
        </p>
        <p className="break-all text-sm text-muted-foreground">{member.email}</p>
        {member.phone ? <p className="text-sm text-muted-foreground">{member.phone}</p> : null}
        {isSelf ? (
          <p id={`${id}-self`} className="mt-xs text-xs text-muted-foreground">
            You cannot change your own role or deactivate yourself; another administrator can.
          </p>
        ) : null}
      </div>
      <div className="flex flex-col gap-2xs">
        <label htmlFor={`${id}-role`} className="text-xs font-medium text-muted-foreground md:sr-only">
          Role<span className="sr-only"> of {member.full_name}</span>
        </label>
        <Select
          id={`${id}-role`}
          value={member.role}
          disabled={isSelf || changeRole.isPending}
          aria-describedby={isSelf ? `${id}-self` : undefined}
          onChange={(event) => onRole(event.target.value as Role)}
        >
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {ROLE_LABEL[role]}
            </option>
          ))}
        </Select>
      </div>
      <div className="flex min-w-0 flex-col items-start gap-2xs self-end md:self-auto">
        <MembershipStatusBadge status={member.status} />
        <span className="text-xs text-muted-foreground">{statusDetail(member, now)}</span>
      </div>
      <div className="col-span-2 flex flex-wrap gap-xs md:col-span-1 md:justify-end">
        <Button variant="outline" size="sm" onClick={() => setDialog("edit")}>
          <Pencil aria-hidden="true" /> Edit<span className="sr-only"> {member.full_name}</span>
        </Button>
        {member.status === "invited" ? (
          <Button variant="outline" size="sm" onClick={() => setDialog("renew")}>
            <MailPlus aria-hidden="true" /> Renew invitation<span className="sr-only"> of {member.full_name}</span>
          </Button>
        ) : null}
        {member.status === "deactivated" ? (
          <Button variant="outline" size="sm" onClick={onReactivate} disabled={reactivate.isPending}>
            <UserCheck aria-hidden="true" /> {reactivate.isPending ? "Reactivating…" : "Reactivate"}
            <span className="sr-only"> {member.full_name}</span>
          </Button>
        ) : (
          <Button
            variant="outline"
            size="sm"
            className="text-danger"
            disabled={isSelf}
            aria-describedby={isSelf ? `${id}-self` : undefined}
            onClick={() => setDialog("deactivate")}
          >
            <UserX aria-hidden="true" /> Deactivate<span className="sr-only"> {member.full_name}</span>
          </Button>
        )}
      </div>
      {/* Mounted only while open, so each opening starts from the member as they are now. */}
      {dialog === "edit" ? <EditMemberDialog {...dialogProps("edit")} /> : null}
      {dialog === "deactivate" && !isSelf ? <DeactivateMemberDialog {...dialogProps("deactivate")} /> : null}
      {dialog === "renew" ? <RenewInvitationDialog {...dialogProps("renew")} /> : null}
    </li>
  );
}
