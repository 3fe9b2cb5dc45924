"use client";

import { listUsers, type MemberRead } from "@sos/contracts";
import { useCallback } from "react";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { useSessionStore } from "@/lib/auth/session-store";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { useAlert, useAlertAssignments } from "@/lib/queries/alerts";
import { keys } from "@/lib/queries/keys";
import type { Thread } from "@/lib/queries/messages";
import { isStaff, ROLE_LABEL } from "@/lib/roles";

/** Who wrote a message, as far as the reader's role lets the console know. */
export interface AuthorLabel {
  name: string;
  /** The author's role, when known and not already the name. */
  role?: string;
  own: boolean;
}

/** Everyone in the organization by id, for staff (the member directory is theirs to read). */
export const memberNamesKey = [...keys.users.all, "names"] as const;
const DIRECTORY_PAGES = 10;

async function allMembers(signal: AbortSignal): Promise<Record<string, Pick<MemberRead, "full_name" | "role">>> {
  const members: Record<string, Pick<MemberRead, "full_name" | "role">> = {};
  let cursor: string | null | undefined;
  for (let page = 0; page < DIRECTORY_PAGES; page++) {
    const result = await call(listUsers({ client: api, query: { limit: 200, ...(cursor ? { cursor } : {}) }, signal }));
    for (const member of result.items) members[member.id] = { full_name: member.full_name, role: member.role };
    cursor = result.next_cursor;
    if (!cursor) break;
  }
  return members;
}

/**
 * Names message authors. Staff read the member directory, so they see names. Reporters and responders cannot; for
 * them the alert says who reported it, who dispatched it (staff only can) and who is assigned, which gives a role.
 */
export function useAuthorLabels(thread: Thread): (authorId: string | null) => AuthorLabel {
  const session = useSessionStore((state) => state.session);
  const staff = session ? isStaff(session.role) : false;
  const directory = useLiveQuery({
    topic: "directory",
    queryKey: memberNamesKey,
    queryFn: ({ signal }) => allMembers(signal),
    enabled: staff,
  });
  const alertId = thread.kind === "alert" && !staff ? thread.id : undefined;
  const alert = useAlert(alertId).data;
  const assignments = useAlertAssignments(alertId).data;
  const members = directory.data;
  const myId = session?.userId;

  return useCallback(
    (authorId: string | null): AuthorLabel => {
      if (authorId === null) return { name: "Former member", own: false };
      if (authorId === myId) return { name: "You", own: true };
      const member = members?.[authorId];
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
    [members, myId, alert, assignments],
  );
}
