"use client";

import type { AlertRead, AssignmentRead, ResponderRead, TeamRead } from "@sos/contracts";
import { UserPlus } from "lucide-react";
import { useId, useMemo, useState } from "react";
import { distanceMeters, formatDistance } from "@/components/map/geo";
import { AvailabilityBadge, availabilityRank } from "@/components/responders/availability-badge";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { QueryBody } from "@/components/ui/states";
import { useAssignAlert } from "@/lib/queries/alerts";
import { useResponders, useTeamsById } from "@/lib/queries/responders";
import { notify, notifyError } from "@/lib/toast";

interface Candidate {
  responder: ResponderRead;
  distance: number | null;
}

/** Available first, then nearest to the alert, then by name: the order a dispatcher picks in. */
export function rankResponders(
  responders: readonly ResponderRead[],
  alert: Pick<AlertRead, "lat" | "lon">,
): Candidate[] {
  return responders
    .map((responder) => ({
      responder,
      distance: responder.last_location ? distanceMeters(alert, responder.last_location) : null,
    }))
    .sort(
      (a, b) =>
        availabilityRank(a.responder.availability) - availabilityRank(b.responder.availability) ||
        (a.distance ?? Number.POSITIVE_INFINITY) - (b.distance ?? Number.POSITIVE_INFINITY) ||
        a.responder.full_name.localeCompare(b.responder.full_name),
    );
}

function matches(search: string, ...texts: Array<string | null | undefined>): boolean {
  const needle = search.trim().toLowerCase();
  return !needle || texts.some((text) => text?.toLowerCase().includes(needle));
}

function ResponderOption({
  candidate,
  assigned,
  checked,
  onChange,
  teamNames,
}: {
  candidate: Candidate;
  assigned: boolean;
  checked: boolean;
  onChange: (on: boolean) => void;
  teamNames: string[];
}) {
  const { responder, distance } = candidate;
  const id = useId();
  return (
    <li className="flex items-start gap-sm rounded-md p-sm hover:bg-muted">
      <Checkbox
        id={id}
        className="mt-1"
        checked={assigned || checked}
        disabled={assigned}
        onChange={(event) => onChange(event.target.checked)}
        aria-describedby={`${id}-about`}
      />
      <div className="flex min-w-0 flex-1 flex-col gap-2xs">
        <Label htmlFor={id} className="cursor-pointer">
          {responder.full_name}
        </Label>
        <div id={`${id}-about`} className="flex flex-wrap items-center gap-xs text-xs text-muted-foreground">
          <AvailabilityBadge availability={responder.availability} />
          {assigned ? <span className="font-medium text-foreground">Already assigned</span> : null}
          <span>{distance === null ? "Location unknown" : `${formatDistance(distance)} away`}</span>
          {responder.skills.length ? <span>Skills: {responder.skills.join(", ")}</span> : <span>No skills listed</span>}
          {teamNames.length ? <span>Teams: {teamNames.join(", ")}</span> : null}
        </div>
      </div>
    </li>
  );
}

function TeamOption({
  team,
  assigned,
  checked,
  onChange,
}: {
  team: TeamRead;
  assigned: boolean;
  checked: boolean;
  onChange: (on: boolean) => void;
}) {
  const id = useId();
  return (
    <li className="flex items-start gap-sm rounded-md p-sm hover:bg-muted">
      <Checkbox
        id={id}
        className="mt-1"
        checked={assigned || checked}
        disabled={assigned}
        onChange={(event) => onChange(event.target.checked)}
      />
      <div className="flex min-w-0 flex-1 flex-col gap-2xs">
        <Label htmlFor={id} className="cursor-pointer">
          {team.name}
        </Label>
        <p className="text-xs text-muted-foreground">
          {assigned ? <span className="font-medium text-foreground">Already assigned. </span> : null}
          {team.description ?? "No description"}
        </p>
      </div>
    </li>
  );
}

const toggled = (set: ReadonlySet<string>, id: string, on: boolean): Set<string> => {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
};

/** Picks responders (with availability, distance and skills) and teams to assign to the alert. Staff only. */
export function AssignDialog({ alert, assignments }: { alert: AlertRead; assignments: readonly AssignmentRead[] }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState("");
  const [responderIds, setResponderIds] = useState<Set<string>>(new Set());
  const [teamIds, setTeamIds] = useState<Set<string>>(new Set());
  const responders = useResponders();
  const teams = useTeamsById();
  const assign = useAssignAlert(alert.id);
  const searchId = useId();

  const assignedResponders = useMemo(
    () => new Set(assignments.map((assignment) => assignment.responder_id).filter(Boolean)),
    [assignments],
  );
  const assignedTeams = useMemo(
    () => new Set(assignments.map((assignment) => assignment.team_id).filter(Boolean)),
    [assignments],
  );
  const candidates = useMemo(() => rankResponders(responders.data?.items ?? [], alert), [responders.data, alert]);
  const teamNamesOf = (responder: ResponderRead) =>
    responder.team_ids.map((id) => teams.byId.get(id)?.name).filter((name): name is string => Boolean(name));
  const shownResponders = candidates.filter(({ responder }) =>
    matches(search, responder.full_name, responder.email, ...responder.skills, ...teamNamesOf(responder)),
  );
  const shownTeams = (teams.data ?? []).filter((team) => matches(search, team.name, team.description));
  const picked = responderIds.size + teamIds.size;

  const reset = () => {
    setSearch("");
    setResponderIds(new Set());
    setTeamIds(new Set());
  };

  const submit = () => {
    assign.mutate(
      { responder_ids: [...responderIds], team_ids: [...teamIds] },
      {
        onSuccess: () => {
          notify({ tone: "success", title: picked === 1 ? "Assignment added" : `${picked} assignments added` });
          setOpen(false);
          reset();
        },
        onError: (error) => notifyError("Could not assign", error),
      },
    );
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <UserPlus aria-hidden="true" /> Assign
        </Button>
      </DialogTrigger>
      <DialogContent
        title="Assign responders or teams"
        description="Available responders nearest to the alert come first."
        className="max-w-[42rem]"
      >
        <div className="flex flex-col gap-xs">
          <Label htmlFor={searchId}>Filter by name, skill or team</Label>
          <Input
            id={searchId}
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="e.g. first_aid"
          />
        </div>
        <section aria-labelledby={`${searchId}-responders`} className="flex flex-col gap-xs">
          <h3 id={`${searchId}-responders`} className="text-sm font-semibold text-foreground">
            Responders
          </h3>
          <QueryBody query={responders} loading="Loading responders" rows={3}>
            {() =>
              shownResponders.length ? (
                <ul className="flex max-h-72 flex-col overflow-y-auto rounded-md border border-border">
                  {shownResponders.map((candidate) => (
                    <ResponderOption
                      key={candidate.responder.user_id}
                      candidate={candidate}
                      assigned={assignedResponders.has(candidate.responder.user_id)}
                      checked={responderIds.has(candidate.responder.user_id)}
                      onChange={(on) => setResponderIds((set) => toggled(set, candidate.responder.user_id, on))}
                      teamNames={teamNamesOf(candidate.responder)}
                    />
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-muted-foreground">
                  {candidates.length
                    ? "No responder matches this filter."
                    : "This organization has no active responders."}
                </p>
              )
            }
          </QueryBody>
        </section>
        <section aria-labelledby={`${searchId}-teams`} className="flex flex-col gap-xs">
          <h3 id={`${searchId}-teams`} className="text-sm font-semibold text-foreground">
            Teams
          </h3>
          <QueryBody query={teams} loading="Loading teams" rows={2}>
            {(data) =>
              shownTeams.length ? (
                <ul className="flex max-h-48 flex-col overflow-y-auto rounded-md border border-border">
                  {shownTeams.map((team) => (
                    <TeamOption
                      key={team.id}
                      team={team}
                      assigned={assignedTeams.has(team.id)}
                      checked={teamIds.has(team.id)}
                      onChange={(on) => setTeamIds((set) => toggled(set, team.id, on))}
                    />
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-muted-foreground">
                  {data.length ? "No team matches this filter." : "This organization has no teams yet."}
                </p>
              )
            }
          </QueryBody>
        </section>
        <div className="flex flex-wrap items-center justify-end gap-sm">
          <p className="mr-auto text-sm text-muted-foreground" aria-live="polite">
            {picked ? `${picked} selected` : "Nothing selected"}
          </p>
          <Button variant="outline" onClick={() => setOpen(false)}>
            Close
          </Button>
          <Button onClick={submit} disabled={picked === 0 || assign.isPending}>
            {assign.isPending ? "Assigning…" : picked > 1 ? `Assign ${picked}` : "Assign"}
          </Button>
        </div>
      </DialogContent>
    </Dialog>
  );
}
