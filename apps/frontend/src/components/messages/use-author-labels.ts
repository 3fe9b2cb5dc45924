"use client";

import { useCallback } from "react";
import { useSessionStore } from "@/lib/auth/session-store";
import { useAlert, useAlertAssignments } from "@/lib/queries/alerts";
import { usePeople } from "@/lib/queries/responders";
import type { Thread } from "@/lib/queries/messages";
import { isStaff, ROLE_LABEL } from "@/lib/roles";

/** Who wrote a message, as far as the reader's role lets the console know. */
export interface AuthorLabel {
  name: string;
  /** The author's role, when known and not already the name. */
  role?: string;
  own: boolean;
}

/**
 * Names message authors. Staff read the member directory, so they see names. Reporters and responders cannot; for
 * them the alert says who reported it, who dispatched it (staff only can) and who is assigned, which gives a role.
 */
export function useAuthorLabels(thread: Thread): (authorId: string | null) => AuthorLabel {
  const session = useSessionStore((state) => state.session);
  const staff = session ? isStaff(session.role) : false;
  const people = usePeople();
  const alertId = thread.kind === "alert" && !staff ? thread.id : undefined;
  const alert = useAlert(alertId).data;
  const assignments = useAlertAssignments(alertId).data;
  const myId = session?.userId;

  return useCallback(
    (authorId: string | null): AuthorLabel => {
      if (authorId === null) return { name: "Former member", own: false };
      if (authorId === myId) return { name: "You", own: true };
      const member = people.member(authorId);
      if (member) return { name: member.full_name, role: ROLE_LABEL[member.role], own: false };
      if (alert?.reporter_id === authorId) return { name: "Reporter", own: false };
      if (assignments?.some((assignment) => assignment.responder_id === authorId))
        return { name: "Responder", own: false };
      if (
        alert?.dispatched_by_id === authorId ||
        assignments?.some((assignment) => assignment.assigned_by_id === authorId)
      )
        return { name: "Coordinator", own: false };
      return { name: "Team member", own: false };
    },
    [people, myId, alert, assignments],
  );
}
