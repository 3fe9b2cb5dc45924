"use client";

import {
  listResponders,
  listUsers,
  unassignAlert,
  updateResponder,
  type AssignmentRead,
  type ListRespondersData,
  type MemberRead,
  type PageMemberRead,
  type PageResponderRead,
  type ResponderRead,
  type ResponderUpdate,
  type TeamRead,
} from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useSessionStore } from "@/lib/auth/session-store";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { isStaff } from "@/lib/roles";
import { keys } from "./keys";
import { collectPages } from "./pages";
import { useTeams } from "./teams";

export type ResponderFilters = Omit<NonNullable<ListRespondersData["query"]>, "cursor" | "limit">;

export function useResponders(filters: ResponderFilters = {}) {
  return useLiveQuery<PageResponderRead>({
    topic: "responders",
    queryKey: keys.responders.list(filters),
    queryFn: ({ signal }) =>
      collectPages((cursor) =>
        call(listResponders({ client: api, query: { ...filters, limit: 200, ...(cursor ? { cursor } : {}) }, signal })),
      ),
  });
}

/** Changes a responder's skills or availability; If-Match makes a stale edit fail (412) instead of overwriting. */
export function useUpdateResponder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ responder, changes }: { responder: ResponderRead; changes: ResponderUpdate }) =>
      call(
        updateResponder({
          client: api,
          path: { user_id: responder.user_id },
          headers: ifMatch(responder.version),
          body: changes,
        }),
      ),
    onSuccess: (updated) => {
      client.setQueriesData<PageResponderRead>({ queryKey: [...keys.responders.all, "list"] }, (page) =>
        page
          ? { ...page, items: page.items.map((item) => (item.user_id === updated.user_id ? updated : item)) }
          : page,
      );
    },
    onSettled: () => client.invalidateQueries({ queryKey: keys.responders.all }),
  });
}

/** Teams by id, from the shared team list (staff and responders may read it). */
export function useTeamsById() {
  const query = useTeams();
  const byId = useMemo(() => new Map<string, TeamRead>((query.data ?? []).map((team) => [team.id, team])), [query.data]);
  return { ...query, byId };
}

/**
 * The member directory for naming people on alert pages, which responders open too: it is fetched only for staff
 * (responders may not list members). Its own key keeps its shape apart from the admin lists under users/list.
 */
export const peopleKey = [...keys.users.all, "people"] as const;

function useMemberDirectory(enabled: boolean) {
  return useLiveQuery<PageMemberRead>({
    topic: "directory",
    queryKey: peopleKey,
    queryFn: ({ signal }) =>
      collectPages(
        (cursor) => call(listUsers({ client: api, query: { limit: 200, ...(cursor ? { cursor } : {}) }, signal })),
        10,
      ),
    enabled,
  });
}

export interface People {
  /** A display name; `fallback` when the person is not known to this caller (only staff may list members). */
  nameOf: (id: string | null | undefined, fallback?: string) => string;
  member: (id: string | null | undefined) => MemberRead | undefined;
  /** Whether names come from the member directory (staff) or only "you" is known (responders). */
  hasDirectory: boolean;
}

/** Names for ids: from the member directory for staff; a responder cannot list members, so only "You" resolves. */
export function usePeople(): People {
  const session = useSessionStore((state) => state.session);
  const staff = session ? isStaff(session.role) : false;
  const directory = useMemberDirectory(staff);
  const me = session?.userId;
  return useMemo(() => {
    const byId = new Map<string, MemberRead>((directory.data?.items ?? []).map((member) => [member.id, member]));
    return {
      hasDirectory: staff,
      member: (id) => (id ? byId.get(id) : undefined),
      nameOf: (id, fallback = "Another member") => {
        if (!id) return "System";
        const name = byId.get(id)?.full_name;
        if (id === me) return name ? `${name} (you)` : "You";
        return name ?? fallback;
      },
    };
  }, [directory.data, staff, me]);
}

/** Removes an assignment at once; it comes back if the server refuses. */
export function useUnassignAlert(alertId: string) {
  const client = useQueryClient();
  return useMutation<void, Error, string, { previous: AssignmentRead[] | undefined }>({
    mutationFn: async (assignmentId) => {
      await call(unassignAlert({ client: api, path: { alert_id: alertId, assignment_id: assignmentId } }));
    },
    onMutate: async (assignmentId) => {
      await client.cancelQueries({ queryKey: keys.alerts.assignments(alertId) });
      const previous = client.getQueryData<AssignmentRead[]>(keys.alerts.assignments(alertId));
      client.setQueryData<AssignmentRead[]>(keys.alerts.assignments(alertId), (list) =>
        list?.filter((assignment) => assignment.id !== assignmentId),
      );
      return { previous };
    },
    onError: (_error, _id, context) => client.setQueryData(keys.alerts.assignments(alertId), context?.previous),
    onSettled: () => client.invalidateQueries({ queryKey: keys.alerts.detail(alertId) }),
  });
}
