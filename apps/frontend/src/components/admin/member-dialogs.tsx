"use client";

import type { MemberCreated, MemberRead } from "@sos/contracts";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useDeactivateMember, useRenewInvitation } from "@/lib/queries/users";
import { ROLE_LABEL } from "@/lib/roles";
import { notify, notifyError } from "@/lib/toast";
import { ConfirmDialog } from "./confirm-dialog";
import { InvitationToken } from "./invitation-token";

const explain = (error: unknown, fallback: string) => (error instanceof ApiProblem ? describeProblem(error) : fallback);

export function DeactivateMemberDialog({
  member,
  open,
  onOpenChange,
}: {
  member: MemberRead;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const deactivate = useDeactivateMember();
  const [error, setError] = useState<string | null>(null);
  const change = (next: boolean) => {
    if (!next) setError(null);
    onOpenChange(next);
  };
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={change}
      title={`Deactivate ${member.full_name}?`}
      confirmLabel="Deactivate"
      busyLabel="Deactivating…"
      busy={deactivate.isPending}
      error={error}
      onConfirm={() =>
        deactivate.mutate(member, {
          onSuccess: () => {
            notify({
              tone: "success",
              title: `${member.full_name} deactivated`,
              description: "Their sessions end within seconds.",
            });
            change(false);
          },
          onError: (caught) => {
            setError(explain(caught, "Deactivating failed. Try again."));
            notifyError(`Could not deactivate ${member.full_name}`, caught);
          },
        })
      }
    >
      <p>
        {member.full_name} ({ROLE_LABEL[member.role].toLowerCase()}, {member.email}) loses access to this organization.
        Their signed-in sessions end within seconds, and they can no longer sign in here.
      </p>
      <p>
        Alerts, messages and history they took part in stay as they are. Reassign any open work they hold. You can
        reactivate them later.
      </p>
      {member.status === "invited" ? <p>Their pending invitation stops working.</p> : null}
    </ConfirmDialog>
  );
}

/** Issues a new invitation token (the old one stops working) and shows it once. */
export function RenewInvitationDialog({
  member,
  open,
  onOpenChange,
}: {
  member: MemberRead;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const renew = useRenewInvitation();
  const [error, setError] = useState<string | null>(null);
  const [renewed, setRenewed] = useState<MemberCreated | null>(null);
  const change = (next: boolean) => {
    if (!next) {
      setError(null);
      setRenewed(null);
    }
    onOpenChange(next);
  };

  if (renewed?.invitation_token) {
    return (
      <Dialog open={open} onOpenChange={change}>
        <DialogContent title={`New invitation for ${member.full_name}`}>
          <InvitationToken
            token={renewed.invitation_token}
            email={renewed.email}
            expiresAt={renewed.invitation_expires_at}
          />
          <div className="flex justify-end">
            <DialogClose asChild>
              <Button>Done</Button>
            </DialogClose>
          </div>
        </DialogContent>
      </Dialog>
    );
  }

  return (
    <ConfirmDialog
      open={open}
      onOpenChange={change}
      title={`Renew the invitation of ${member.full_name}?`}
      tone="primary"
      confirmLabel="Issue new token"
      busyLabel="Issuing…"
      busy={renew.isPending}
      error={error}
      onConfirm={() =>
        renew.mutate(member, {
          onSuccess: setRenewed,
          onError: (caught) => {
            setError(explain(caught, "Renewing the invitation failed. Try again."));
            notifyError(`Could not renew the invitation of ${member.full_name}`, caught);
          },
        })
      }
    >
      <p>
        A new one-time token is issued and shown once, with its expiry. The token handed out before stops working at
        once.
      </p>
    </ConfirmDialog>
  );
}
