"use client";

import {
  createUser,
  deactivateUser,
  listUsers,
  reactivateUser,
  renewInvitation,
  updateUser,
  type MemberCreate,
  type MemberCreated,
  type MemberRead,
  type MembershipStatus,
  type Role,
} from "@sos/contracts";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { callWithFieldErrors } from "@/components/admin/field-errors";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";
import { collectPages } from "./pages";

export interface MemberFilters {
  role?: Role[];
  status?: MembershipStatus[];
}

/** Every member matching the filters, up to `MEMBER_CAP`; `complete` is false when there are more. */
export interface MemberDirectory {
  items: MemberRead[];
  complete: boolean;
}

const PAGE_SIZE = 200;
export const MEMBER_CAP = 2_000;

/** Drops empty filters, so "no filter" has one query key however it was spelled. */
function normalized(filters: MemberFilters): MemberFilters {
  return {
    ...(filters.role?.length ? { role: [...filters.role].sort() } : {}),
    ...(filters.status?.length ? { status: [...filters.status].sort() } : {}),
  };
}

async function fetchDirectory(filters: MemberFilters, signal: AbortSignal): Promise<MemberDirectory> {
  const pages = await collectPages(
    (cursor) =>
      call(listUsers({ client: api, query: { ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }, signal })),
    Math.ceil(MEMBER_CAP / PAGE_SIZE),
  );
  return { items: pages.items, complete: !pages.next_cursor };
}

/** The organization's members (search is done by the caller: the API filters by role and status only). */
export function useMembers(filters: MemberFilters = {}) {
  const query = normalized(filters);
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.users.list(query),
    queryFn: ({ signal }) => fetchDirectory(query, signal),
  });
}

const listsOf = (client: QueryClient) =>
  client.getQueriesData<MemberDirectory>({ queryKey: [...keys.users.all, "list"] });

function patchMemberEverywhere(client: QueryClient, id: string, patch: (member: MemberRead) => MemberRead): void {
  for (const [key, directory] of listsOf(client)) {
    if (!directory) continue;
    client.setQueryData<MemberDirectory>(key, {
      ...directory,
      items: directory.items.map((member) => (member.id === id ? patch(member) : member)),
    });
  }
}

/** Members and what derives from them: a role change or deactivation changes who is on the responder board. */
function invalidateMembers(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: keys.users.all });
  void client.invalidateQueries({ queryKey: keys.responders.all });
}

type ListsSnapshot = ReturnType<typeof listsOf>;

function restore(client: QueryClient, snapshot: ListsSnapshot | undefined): void {
  for (const [key, directory] of snapshot ?? []) client.setQueryData(key, directory);
}

/** Adds a member: active when a password is given for a new account, otherwise invited with a one-time token. */
export function useCreateMember() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: MemberCreate): Promise<MemberCreated> => callWithFieldErrors(createUser({ client: api, body })),
    onSettled: () => invalidateMembers(client),
  });
}

/** Changes a member's role at once on screen; the previous role comes back if the server refuses. */
export function useChangeRole() {
  const client = useQueryClient();
  return useMutation<MemberRead, Error, { member: MemberRead; role: Role }, ListsSnapshot>({
    mutationFn: ({ member, role }) =>
      call(updateUser({ client: api, path: { user_id: member.id }, headers: ifMatch(member.version), body: { role } })),
    onMutate: async ({ member, role }) => {
      await client.cancelQueries({ queryKey: keys.users.all });
      const snapshot = listsOf(client);
      patchMemberEverywhere(client, member.id, (current) => ({ ...current, role }));
      return snapshot;
    },
    onError: (_error, _variables, snapshot) => restore(client, snapshot),
    onSuccess: (updated) => patchMemberEverywhere(client, updated.id, () => updated),
    onSettled: () => invalidateMembers(client),
  });
}

export interface ProfileChange {
  member: MemberRead;
  full_name: string;
  phone: string | null;
}

/** Name and phone; only the fields that changed are sent. */
export function useUpdateProfile() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ member, full_name, phone }: ProfileChange) =>
      callWithFieldErrors(
        updateUser({
          client: api,
          path: { user_id: member.id },
          headers: ifMatch(member.version),
          body: {
            ...(full_name !== member.full_name ? { full_name } : {}),
            ...(phone !== member.phone ? { phone } : {}),
          },
        }),
      ),
    onSuccess: (updated) => patchMemberEverywhere(client, updated.id, () => updated),
    onSettled: () => invalidateMembers(client),
  });
}

function useMemberCommand(command: (member: MemberRead) => Promise<MemberRead>) {
  const client = useQueryClient();
  return useMutation<MemberRead, Error, MemberRead>({
    mutationFn: command,
    onSuccess: (updated) => patchMemberEverywhere(client, updated.id, (current) => ({ ...current, ...updated })),
    onSettled: () => invalidateMembers(client),
  });
}

/** Ends the member's access to this organization; the server revokes their sessions. */
export const useDeactivateMember = () =>
  useMemberCommand((member) =>
    call(deactivateUser({ client: api, path: { user_id: member.id }, headers: ifMatch(member.version) })),
  );

export const useReactivateMember = () =>
  useMemberCommand((member) =>
    call(reactivateUser({ client: api, path: { user_id: member.id }, headers: ifMatch(member.version) })),
  );

/** A fresh one-time invitation token; the previous one stops working. */
export function useRenewInvitation() {
  const client = useQueryClient();
  return useMutation<MemberCreated, Error, MemberRead>({
    mutationFn: (member) =>
      call(renewInvitation({ client: api, path: { user_id: member.id }, headers: ifMatch(member.version) })),
    onSuccess: ({ invitation_token: _token, ...updated }) =>
      patchMemberEverywhere(client, updated.id, (current) => ({ ...current, ...updated })),
    onSettled: () => invalidateMembers(client),
  });
}
