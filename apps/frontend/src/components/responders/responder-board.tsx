"use client";

import type { Availability, ResponderRead } from "@sos/contracts";
import { Clock, Mail, MapPin, Phone } from "lucide-react";
import { useMemo, useState } from "react";
import { FilterChip, FilterGroup } from "@/components/alerts/filter-chip";
import { formatAccuracy, formatAge, formatDateTime, formatPosition } from "@/components/alerts/format";
import { Section } from "@/components/alerts/section";
import { useNow } from "@/components/alerts/use-now";
import { CoordinatorMap } from "@/components/live/coordinator-map";
import { Freshness } from "@/components/shell/freshness";
import { Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { useSessionStore } from "@/lib/auth/session-store";
import { useResponders, useTeamsById, type ResponderFilters } from "@/lib/queries/responders";
import { isStaff } from "@/lib/roles";
import { AVAILABILITIES, AVAILABILITY_LABEL, AvailabilityBadge, availabilityRank } from "./availability-badge";
import { EditResponderDialog } from "./edit-responder-dialog";
import { formatSkill } from "./skills";

/** A fix older than this is flagged: the responder may have moved since. */
export const STALE_FIX_MS = 30 * 60_000;

export function toResponderQuery(availability: readonly Availability[], skill: string): ResponderFilters {
  return {
    ...(availability.length ? { availability: [...availability] } : {}),
    ...(skill ? { skill } : {}),
  };
}

export const sortResponders = (responders: readonly ResponderRead[]): ResponderRead[] =>
  [...responders].sort(
    (a, b) =>
      availabilityRank(a.availability) - availabilityRank(b.availability) || a.full_name.localeCompare(b.full_name),
  );

function ResponderCard({
  responder,
  now,
  teamNames,
  canEdit,
}: {
  responder: ResponderRead;
  now: number;
  teamNames: string[];
  canEdit: boolean;
}) {
  const fix = responder.last_location;
  const stale = fix ? now - Date.parse(fix.recorded_at) > STALE_FIX_MS : false;
  const accuracy = formatAccuracy(fix?.accuracy_m);
  return (
    <li className="flex flex-col gap-sm rounded-lg border border-border bg-background p-md shadow-sm lg:grid lg:grid-cols-[minmax(0,14rem)_9rem_minmax(0,1fr)_minmax(0,14rem)_auto] lg:items-start lg:gap-md">
      <div className="min-w-0">
        <p className="font-semibold text-foreground">{responder.full_name}</p>
        <p className="flex flex-wrap gap-x-md text-xs">
          <a href={`mailto:${responder.email}`} className="inline-flex items-center gap-xs text-primary underline">
            <Mail aria-hidden="true" className="size-3" />
            <span className="break-all">{responder.email}</span>
          </a>
          {responder.phone ? (
            <a href={`tel:${responder.phone}`} className="inline-flex items-center gap-xs text-primary underline">
              <Phone aria-hidden="true" className="size-3" />
              <span className="sr-only">Call </span>
              {responder.phone}
            </a>
          ) : null}
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-xs lg:flex-col lg:items-start">
        <AvailabilityBadge availability={responder.availability} />
        <span className="text-xs text-muted-foreground">
          since{" "}
          <time dateTime={responder.availability_changed_at} title={formatDateTime(responder.availability_changed_at)}>
            {formatAge(responder.availability_changed_at, now).replace(/ ago$/, "")}
          </time>
        </span>
      </div>
      <div className="flex min-w-0 flex-col gap-xs text-sm">
        {responder.skills.length ? (
          <ul aria-label={`Skills of ${responder.full_name}`} className="flex flex-wrap gap-xs">
            {responder.skills.map((skill) => (
              <li key={skill} className="rounded-md bg-muted px-sm py-2xs text-xs font-medium text-foreground">
                {formatSkill(skill)}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-xs text-muted-foreground">No skills listed</p>
        )}
        <p className="text-xs text-muted-foreground">
          {teamNames.length ? `Teams: ${teamNames.join(", ")}` : "In no team"}
        </p>
      </div>
      <div className="text-sm">
        {fix ? (
          <>
            <p className="flex items-center gap-xs text-foreground">
              <MapPin aria-hidden="true" className="size-3.5 shrink-0" />
              <span className="sr-only">Last known location </span>
              <span className="font-mono tabular-nums">{formatPosition(fix.lat, fix.lon)}</span>
              {accuracy ? <span className="text-muted-foreground">{accuracy}</span> : null}
            </p>
            <p
              className={
                stale ? "flex items-center gap-xs text-xs font-medium text-foreground" : "text-xs text-muted-foreground"
              }
            >
              {stale ? <Clock aria-hidden="true" className="size-3" /> : null}
              <time dateTime={fix.recorded_at} title={formatDateTime(fix.recorded_at)}>
                {formatAge(fix.recorded_at, now)}
              </time>
              {stale ? " · old fix, may have moved" : null}
            </p>
          </>
        ) : (
          <p className="text-xs text-muted-foreground">No location reported</p>
        )}
      </div>
      {canEdit ? (
        <div className="lg:justify-self-end">
          <EditResponderDialog responder={responder} />
        </div>
      ) : null}
    </li>
  );
}

/** Who can respond: availability, skills, teams and last known position, on a list and a live map with open alerts. */
export function ResponderBoard() {
  const role = useSessionStore((state) => state.session?.role);
  const [availability, setAvailability] = useState<Availability[]>([]);
  const [skill, setSkill] = useState("");
  const query = useResponders(toResponderQuery(availability, skill));
  // Everyone, for the counts and the skill list; the same request as the list when no filter is set.
  const everyone = useResponders();
  const teams = useTeamsById();
  const now = useNow();

  const responders = useMemo(() => sortResponders(query.data?.items ?? []), [query.data]);
  const counts = useMemo(() => {
    const result: Record<Availability, number> = { available: 0, busy: 0, off_duty: 0 };
    for (const responder of everyone.data?.items ?? []) result[responder.availability] += 1;
    return result;
  }, [everyone.data]);
  const skills = useMemo(
    () =>
      [
        ...new Set([
          ...(everyone.data?.items ?? []).flatMap((responder) => responder.skills),
          ...(skill ? [skill] : []),
        ]),
      ].sort(),
    [everyone.data, skill],
  );
  const filtered = availability.length > 0 || Boolean(skill);
  const withoutFix = responders.filter((responder) => !responder.last_location).length;

  return (
    <div className="flex flex-col gap-lg">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <p className="text-sm text-foreground">
          {everyone.data ? (
            <>
              <span className="text-lg font-semibold tabular-nums">{counts.available}</span> available of{" "}
              {everyone.data.items.length} responders
            </>
          ) : (
            <span className="text-muted-foreground">Counting responders…</span>
          )}
        </p>
        <Freshness updatedAt={query.dataUpdatedAt} failing={query.isError} />
      </div>
      <section
        aria-label="Filters"
        className="flex flex-col gap-md rounded-lg border border-border bg-surface p-md sm:flex-row sm:flex-wrap sm:items-end sm:gap-xl"
      >
        <FilterGroup legend="Availability">
          {AVAILABILITIES.map((value) => (
            <FilterChip
              key={value}
              label={AVAILABILITY_LABEL[value]}
              checked={availability.includes(value)}
              onChange={(on) =>
                setAvailability((current) => (on ? [...current, value] : current.filter((item) => item !== value)))
              }
              {...(everyone.data ? { count: counts[value] } : {})}
            />
          ))}
        </FilterGroup>
        <div className="flex flex-col gap-xs sm:w-56">
          <Label htmlFor="responder-skill">Skill</Label>
          <Select id="responder-skill" value={skill} onChange={(event) => setSkill(event.target.value)}>
            <option value="">Any skill</option>
            {skills.map((value) => (
              <option key={value} value={value}>
                {formatSkill(value)}
              </option>
            ))}
          </Select>
        </div>
      </section>

      <QueryBody query={query} loading="Loading responders" rows={5}>
        {(data) => (
          <>
            <Section title="Live map: responders and open alerts" id="responders-map">
              <CoordinatorMap
                responders={responders}
                emptyText={
                  responders.length
                    ? "None of these responders has reported a location, and no open alert has one."
                    : "No responders or open alerts to show."
                }
              />
              {withoutFix ? (
                <p className="text-xs text-muted-foreground">
                  {withoutFix} {withoutFix === 1 ? "responder has" : "responders have"} not reported a location and
                  {withoutFix === 1 ? " is" : " are"} not on the map.
                </p>
              ) : null}
            </Section>
            <section aria-labelledby="responders-list" className="flex flex-col gap-sm">
              <h2 id="responders-list" className="text-base font-semibold text-foreground">
                {responders.length} {responders.length === 1 ? "responder" : "responders"}
                {filtered ? " match" : ""}, available first
              </h2>
              {responders.length ? (
                <ul className="flex flex-col gap-sm">
                  {responders.map((responder) => (
                    <ResponderCard
                      key={responder.user_id}
                      responder={responder}
                      now={now}
                      canEdit={role ? isStaff(role) : false}
                      teamNames={responder.team_ids
                        .map((id) => teams.byId.get(id)?.name)
                        .filter((name): name is string => Boolean(name))}
                    />
                  ))}
                </ul>
              ) : filtered ? (
                <EmptyState title="No responder matches these filters">
                  Clear the availability or skill filter to see everyone.
                </EmptyState>
              ) : (
                <EmptyState title="No responders yet">
                  An administrator adds people with the responder role under Users.
                </EmptyState>
              )}
              {data.next_cursor ? (
                <p className="text-sm text-muted-foreground">
                  Showing the first {responders.length} responders; narrow the filters to see others.
                </p>
              ) : null}
            </section>
          </>
        )}
      </QueryBody>
    </div>
  );
}
