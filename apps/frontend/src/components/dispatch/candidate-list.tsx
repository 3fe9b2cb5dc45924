"use client";

import type { CandidateRead, CandidatesRead } from "@sos/contracts";
import { Check, Send, UserCheck } from "lucide-react";
import { useId } from "react";
import { AvailabilityBadge } from "@/components/responders/availability-badge";
import { formatSkill } from "@/components/responders/skills";
import { Button } from "@/components/ui/button";
import { describeReach, sentence } from "./format";

/** One ranked responder: where they are, what they can do, why they rank here, and the button to offer them. */
function CandidateItem({
  candidate,
  alertId,
  teamName,
  busy,
  onOffer,
}: {
  candidate: CandidateRead;
  alertId: string;
  teamName: (id: string) => string | undefined;
  busy: boolean;
  onOffer: (candidate: CandidateRead) => void;
}) {
  const id = useId();
  const { responder } = candidate;
  const matched = new Set(candidate.matched_skills);
  const engagedHere = candidate.engaged_alert_id === alertId;
  const teams = responder.team_ids.map(teamName).filter((name): name is string => Boolean(name));
  return (
    <li className="flex items-start gap-sm rounded-md border border-border p-sm">
      <span
        aria-hidden="true"
        className="flex size-7 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold text-foreground"
      >
        {candidate.rank}
      </span>
      <div className="flex min-w-0 flex-1 flex-col gap-xs sm:flex-row sm:items-start">
        <div className="flex min-w-0 flex-1 flex-col gap-2xs text-sm">
          <p id={`${id}-name`} className="flex flex-wrap items-center gap-xs font-medium text-foreground">
            <span className="sr-only">Rank {candidate.rank}: </span>
            {responder.full_name}
            <AvailabilityBadge availability={responder.availability} />
            {engagedHere ? (
              <span className="inline-flex items-center gap-xs rounded-full bg-status-on-scene-bg px-sm py-2xs text-xs font-semibold text-status-on-scene-fg">
                <UserCheck aria-hidden="true" className="size-3.5" /> Already offered or working this alert
              </span>
            ) : candidate.engaged_alert_id ? (
              <span className="rounded-full bg-muted px-sm py-2xs text-xs font-semibold text-foreground">
                Engaged on another alert
              </span>
            ) : null}
          </p>
          <p className="text-foreground">{describeReach(candidate.distance_m, candidate.eta_seconds)}</p>
          <p className="text-muted-foreground">
            {responder.skills.length ? (
              <>
                Skills:{" "}
                {responder.skills.map((skill, index) => (
                  <span key={skill}>
                    {index ? ", " : ""}
                    {matched.has(skill) ? (
                      <strong className="inline-flex items-center gap-2xs font-semibold text-foreground">
                        <Check aria-hidden="true" className="size-3" />
                        {formatSkill(skill)}
                        <span className="sr-only"> (required)</span>
                      </strong>
                    ) : (
                      formatSkill(skill)
                    )}
                  </span>
                ))}
              </>
            ) : (
              "No skills listed"
            )}
            {teams.length ? ` · Teams: ${teams.join(", ")}` : ""}
          </p>
          <p className="text-foreground">
            <span className="text-muted-foreground">Why: </span>
            {sentence(candidate.reason)}
          </p>
        </div>
        <Button
          size="sm"
          className="self-start"
          disabled={busy || engagedHere}
          onClick={() => onOffer(candidate)}
          aria-describedby={`${id}-name`}
        >
          <Send aria-hidden="true" /> Offer<span className="sr-only"> to {responder.full_name}</span>
        </Button>
      </div>
    </li>
  );
}

/** The server's ranking of available responders for an alert, best first. */
export function CandidateList({
  ranking,
  alertId,
  teamName,
  busyResponderId,
  onOffer,
}: {
  ranking: CandidatesRead;
  alertId: string;
  teamName: (id: string) => string | undefined;
  /** The responder an offer is being sent to, whose button waits. */
  busyResponderId: string | null;
  onOffer: (candidate: CandidateRead) => void;
}) {
  const by = ranking.ranked_by === "eta" ? "road travel time" : "distance";
  if (ranking.items.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">
        No available responder with a position from the last {ranking.location_max_age_minutes} min matches within{" "}
        {ranking.radius_km} km. Change the team or skills, or assign someone by hand.
      </p>
    );
  }
  return (
    <div className="flex flex-col gap-xs">
      <p className="text-xs text-muted-foreground">
        Ranked by {by}, best first, within {ranking.radius_km} km, from positions of the last{" "}
        {ranking.location_max_age_minutes} min.
        {ranking.routing_note ? ` ${sentence(ranking.routing_note)}.` : ""}
      </p>
      <ol aria-label={`Candidates ranked by ${by}`} className="flex flex-col gap-xs">
        {ranking.items.map((candidate) => (
          <CandidateItem
            key={candidate.responder.user_id}
            candidate={candidate}
            alertId={alertId}
            teamName={teamName}
            busy={busyResponderId === candidate.responder.user_id}
            onOffer={onOffer}
          />
        ))}
      </ol>
    </div>
  );
}
