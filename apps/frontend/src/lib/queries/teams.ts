"use client";

import {
  createTeam,
  deleteTeam,
  listTeamMembers,
  listTeams,
  putTeamMember,
  removeTeamMember,
  updateTeam,
  type TeamCreate,
  type TeamMemberRead,
  type TeamRead,
  type TeamRole,
  type TeamUpdate,
} from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callWithFieldErrors } from "@/components/admin/field-errors";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

const PAGE_SIZE = 200;

async function fetchAllTeams(signal: AbortSignal): Promise<TeamRead[]> {
  const teams: TeamRead[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      listTeams({ client: api, query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }, signal }),
    );
    teams.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return teams;
}

/** Every team of the organization (the hierarchy is built from `parent_id`). */
export function useTeams() {
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.teams.list,
    queryFn: ({ signal }) => fetchAllTeams(signal),
  });
}

export function useTeamMembers(teamId: string | null) {
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.teams.members(teamId ?? ""),
    queryFn: ({ signal }) => call(listTeamMembers({ client: api, path: { team_id: teamId ?? "" }, signal })),
    enabled: Boolean(teamId),
  });
}

export function useCreateTeam() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TeamCreate) => callWithFieldErrors(createTeam({ client: api, body })),
    onSuccess: (team) =>
      client.setQueryData<TeamRead[]>(keys.teams.list, (teams) => (teams ? [...teams, team] : teams)),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.teams.list }),
  });
}

/** Renames, describes or moves a team; the server refuses a move below its own sub-team. */
export function useUpdateTeam() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ team, changes }: { team: TeamRead; changes: TeamUpdate }) =>
      callWithFieldErrors(
        updateTeam({ client: api, path: { team_id: team.id }, headers: ifMatch(team.version), body: changes }),
      ),
    onSuccess: (updated) =>
      client.setQueryData<TeamRead[]>(keys.teams.list, (teams) =>
        teams?.map((team) => (team.id === updated.id ? updated : team)),
      ),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.teams.list }),
  });
}

/** Deletes a team without sub-teams; its memberships go with it. */
export function useDeleteTeam() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (team: TeamRead) =>
      call(deleteTeam({ client: api, path: { team_id: team.id }, headers: ifMatch(team.version) })),
    onSuccess: (_nothing, deleted) => {
      client.setQueryData<TeamRead[]>(keys.teams.list, (teams) => teams?.filter((team) => team.id !== deleted.id));
      client.removeQueries({ queryKey: keys.teams.members(deleted.id) });
    },
    onSettled: () => void client.invalidateQueries({ queryKey: keys.teams.list }),
  });
}

/** Adds a member to a team, or changes their team role. */
export function usePutTeamMember(teamId: string) {
  const client = useQueryClient();
  return useMutation<TeamMemberRead, Error, { userId: string; role: TeamRole }, { previous?: TeamMemberRead[] }>({
    mutationFn: ({ userId, role }) =>
      call(
        putTeamMember({ client: api, path: { team_id: teamId, user_id: userId }, body: { role } }),
      ) as Promise<TeamMemberRead>,
    onMutate: async ({ userId, role }) => {
      await client.cancelQueries({ queryKey: keys.teams.members(teamId) });
      const previous = client.getQueryData<TeamMemberRead[]>(keys.teams.members(teamId));
      // Only an existing member's role changes optimistically; a new member appears with the server's answer.
      client.setQueryData<TeamMemberRead[]>(keys.teams.members(teamId), (members) =>
        members?.map((member) => (member.user_id === userId ? { ...member, role } : member)),
      );
      return { previous };
    },
    onError: (_error, _variables, context) => client.setQueryData(keys.teams.members(teamId), context?.previous),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.teams.members(teamId) });
      void client.invalidateQueries({ queryKey: keys.responders.all });
    },
  });
}

/** Takes a member off the team at once on screen; they come back if the server refuses. */
export function useRemoveTeamMember(teamId: string) {
  const client = useQueryClient();
  return useMutation<unknown, Error, string, { previous?: TeamMemberRead[] }>({
    mutationFn: (userId) => call(removeTeamMember({ client: api, path: { team_id: teamId, user_id: userId } })),
    onMutate: async (userId) => {
      await client.cancelQueries({ queryKey: keys.teams.members(teamId) });
      const previous = client.getQueryData<TeamMemberRead[]>(keys.teams.members(teamId));
      client.setQueryData<TeamMemberRead[]>(keys.teams.members(teamId), (members) =>
        members?.filter((member) => member.user_id !== userId),
      );
      return { previous };
    },
    onError: (_error, _userId, context) => client.setQueryData(keys.teams.members(teamId), context?.previous),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.teams.members(teamId) });
      void client.invalidateQueries({ queryKey: keys.responders.all });
    },
  });
}
