"use client";

import type { TeamMemberRead, TeamRead, TeamRole } from "@sos/contracts";
import { UserMinus, UserPlus } from "lucide-react";
import { useId, useMemo, useState, type FormEvent } from "react";
import { Freshness } from "@/components/shell/freshness";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { usePutTeamMember, useRemoveTeamMember, useTeamMembers } from "@/lib/queries/teams";
import { useMembers } from "@/lib/queries/users";
import { ROLE_LABEL } from "@/lib/roles";
import { notify, notifyError } from "@/lib/toast";
import { describedBy } from "./member-form";

const TEAM_ROLE_LABEL: Record<TeamRole, string> = { lead: "Lead", member: "Member" };

function MemberItem({ team, member }: { team: TeamRead; member: TeamMemberRead }) {
  const id = useId();
  const put = usePutTeamMember(team.id);
  const remove = useRemoveTeamMember(team.id);
  return (
    <li className="flex flex-col gap-sm py-sm sm:flex-row sm:items-center">
      <div className="min-w-0 flex-1">
        <p className="font-medium text-foreground">{member.full_name}</p>
        <p className="break-all text-sm text-muted-foreground">{member.email}</p>
      </div>
      <div className="flex items-end gap-sm">
        <div className="flex flex-col gap-2xs">
          <label htmlFor={`${id}-role`} className="text-xs font-medium text-muted-foreground">
            Team role<span className="sr-only"> of {member.full_name}</span>
          </label>
          <Select
            id={`${id}-role`}
            className="w-32"
            value={member.role}
            disabled={put.isPending}
            onChange={(event) =>
              put.mutate(
                { userId: member.user_id, role: event.target.value as TeamRole },
                {
                  onError: (error) => notifyError(`Could not change the team role of ${member.full_name}`, error),
                },
              )
            }
          >
            <option value="lead">{TEAM_ROLE_LABEL.lead}</option>
            <option value="member">{TEAM_ROLE_LABEL.member}</option>
          </Select>
        </div>
        <Button
          variant="outline"
          size="md"
          disabled={remove.isPending}
          onClick={() =>
            remove.mutate(member.user_id, {
              onSuccess: () => notify({ tone: "success", title: `${member.full_name} removed from ${team.name}` }),
              onError: (error) => notifyError(`Could not remove ${member.full_name} from ${team.name}`, error),
            })
          }
        >
          <UserMinus aria-hidden="true" /> Remove<span className="sr-only"> {member.full_name}</span>
        </Button>
      </div>
    </li>
  );
}

/** Adds an active responder or coordinator who is not yet in the team. */
function AddMemberForm({ team, current }: { team: TeamRead; current: readonly TeamMemberRead[] }) {
  const id = useId();
  const directory = useMembers();
  const put = usePutTeamMember(team.id);
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const [error, setError] = useState<string | null>(null);

  const candidates = useMemo(() => {
    const inTeam = new Set(current.map((member) => member.user_id));
    return (directory.data?.items ?? [])
      .filter(
        (person) =>
          person.status === "active" &&
          (person.role === "responder" || person.role === "coordinator") &&
          !inTeam.has(person.id),
      )
      .sort((a, b) => a.full_name.localeCompare(b.full_name));
  }, [directory.data, current]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!userId) {
      setError("Choose a person to add.");
      return;
    }
    setError(null);
    const person = candidates.find((candidate) => candidate.id === userId);
    put.mutate(
      { userId, role },
      {
        onSuccess: (added) => {
          notify({ tone: "success", title: `${added.full_name} added to ${team.name}` });
          setUserId("");
          setRole("member");
        },
        onError: (caught) => {
          setError(caught instanceof ApiProblem ? describeProblem(caught) : "Adding failed. Try again.");
          notifyError(`Could not add ${person?.full_name ?? "the member"} to ${team.name}`, caught);
        },
      },
    );
  };

  const hint = directory.isPending
    ? "Loading people…"
    : candidates.length === 0
      ? "Every active responder and coordinator is already in this team."
      : "Active responders and coordinators who are not in this team yet.";

  return (
    <form
      noValidate
      onSubmit={onSubmit}
      className="grid grid-cols-1 items-start gap-sm sm:grid-cols-[minmax(0,1fr)_8rem_auto]"
    >
      <Field id={`${id}-person`} label="Person" hint={hint} error={error ?? undefined}>
        <Select
          id={`${id}-person`}
          value={userId}
          disabled={candidates.length === 0}
          onChange={(event) => {
            setUserId(event.target.value);
            setError(null);
          }}
          aria-invalid={Boolean(error)}
          aria-describedby={describedBy(`${id}-person`, { hint: true, error: error ?? undefined })}
        >
          <option value="">Choose a person</option>
          {candidates.map((person) => (
            <option key={person.id} value={person.id}>
              {person.full_name} ({ROLE_LABEL[person.role].toLowerCase()})
            </option>
          ))}
        </Select>
      </Field>
      <Field id={`${id}-role`} label="Team role">
        <Select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as TeamRole)}>
          <option value="member">{TEAM_ROLE_LABEL.member}</option>
          <option value="lead">{TEAM_ROLE_LABEL.lead}</option>
        </Select>
      </Field>
      <Button type="submit" className="sm:mt-xl" disabled={put.isPending || candidates.length === 0}>
        <UserPlus aria-hidden="true" /> {put.isPending ? "Adding…" : "Add"}
      </Button>
    </form>
  );
}

/** The selected team's members, leads first, with their team role, and adding or removing people. */
export function TeamMembers({ team }: { team: TeamRead }) {
  const members = useTeamMembers(team.id);
  return (
    <section aria-labelledby={`members-${team.id}`} className="flex flex-col gap-md">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <h3 id={`members-${team.id}`} className="text-base font-semibold text-foreground">
          Members{members.data ? ` (${members.data.length})` : null}
        </h3>
        <Freshness updatedAt={members.dataUpdatedAt} failing={members.isError} />
      </div>
      <QueryBody query={members} loading="Loading the team's members" rows={3}>
        {(data) =>
          data.length === 0 ? (
            <EmptyState title="Nobody is in this team yet">Add responders or coordinators below.</EmptyState>
          ) : (
            <ul aria-labelledby={`members-${team.id}`} className="divide-y divide-border">
              {data.map((member) => (
                <MemberItem key={member.user_id} team={team} member={member} />
              ))}
            </ul>
          )
        }
      </QueryBody>
      <div className="border-t border-border pt-md">
        <h4 className="mb-sm text-sm font-semibold text-foreground">Add a member</h4>
        <AddMemberForm team={team} current={members.data ?? []} />
      </div>
    </section>
  );
}
