"use client";

import type { AlertRead, CandidateRead, OfferRead } from "@sos/contracts";
import { Bot, OctagonX, RotateCw } from "lucide-react";
import { useId, useMemo, useState, type FormEvent } from "react";
import { isOpen } from "@/components/alerts/inbox-model";
import { parseSkills } from "@/components/responders/skills";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ErrorState, LoadingRows, QueryBody } from "@/components/ui/states";
import {
  useDispatchCandidates,
  useDispatchOffers,
  useOfferAlert,
  useStartAutoDispatch,
  useStopAutoDispatch,
  type CandidateFilters,
} from "@/lib/queries/dispatch";
import { useTeamsById, type People } from "@/lib/queries/responders";
import { notify, notifyError } from "@/lib/toast";
import { CandidateList } from "./candidate-list";
import { OfferList } from "./offer-list";

/** The answer times a coordinator picks from; the server allows 10 s to 10 min. */
export const ANSWER_TIMES: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 30, label: "30 seconds" },
  { seconds: 60, label: "1 minute" },
  { seconds: 120, label: "2 minutes" },
  { seconds: 300, label: "5 minutes" },
];

/** The auto-dispatch's offer that waits for an answer; while there is one, the auto-dispatch runs. */
export const runningAutoOffer = (offers: readonly OfferRead[] | undefined): OfferRead | undefined =>
  offers?.find((offer) => offer.mode === "auto" && offer.status === "offered");

/** Team, skills and answer time: what the ranking and the offers are made with. */
function DispatchFilters({
  filters,
  onFilters,
  timeoutSeconds,
  onTimeout,
}: {
  filters: CandidateFilters;
  onFilters: (filters: CandidateFilters) => void;
  timeoutSeconds: number;
  onTimeout: (seconds: number) => void;
}) {
  const id = useId();
  const teams = useTeamsById();
  const [skillsText, setSkillsText] = useState(filters.skills.join(", "));
  const [error, setError] = useState<string | undefined>();
  const sortedTeams = useMemo(() => [...(teams.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [teams.data]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseSkills(skillsText);
    setError(parsed.error);
    if (!parsed.error) onFilters({ ...filters, skills: parsed.skills });
  };

  return (
    <form
      onSubmit={apply}
      className="grid gap-sm sm:grid-cols-[1fr_1fr_auto] sm:items-end"
      aria-label="Candidate filters"
    >
      <div className="flex flex-col gap-xs">
        <Label htmlFor={`${id}-team`}>Team</Label>
        <Select
          id={`${id}-team`}
          value={filters.teamId ?? ""}
          onChange={(event) => onFilters({ ...filters, teamId: event.target.value || null })}
        >
          <option value="">Any team</option>
          {sortedTeams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </Select>
      </div>
      <div className="flex flex-col gap-xs">
        <Label htmlFor={`${id}-skills`}>Required skills</Label>
        <Input
          id={`${id}-skills`}
          value={skillsText}
          placeholder="e.g. first_aid, cpr"
          onChange={(event) => setSkillsText(event.target.value)}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? `${id}-skills-error` : undefined}
        />
      </div>
      <Button type="submit" variant="outline">
        <RotateCw aria-hidden="true" /> Rank
      </Button>
      {error ? (
        <p id={`${id}-skills-error`} role="alert" className="text-xs font-medium text-danger sm:col-span-3">
          {error}
        </p>
      ) : null}
      <div className="flex flex-col gap-xs sm:col-span-3 sm:flex-row sm:items-center sm:gap-sm">
        <Label htmlFor={`${id}-timeout`}>Time to answer an offer</Label>
        <Select
          id={`${id}-timeout`}
          className="sm:w-40"
          value={String(timeoutSeconds)}
          onChange={(event) => onTimeout(Number(event.target.value))}
        >
          {ANSWER_TIMES.map((time) => (
            <option key={time.seconds} value={time.seconds}>
              {time.label}
            </option>
          ))}
        </Select>
      </div>
    </form>
  );
}

/**
 * Dispatch for one alert (staff): the available responders the server ranks nearest first, an offer to the one a
 * coordinator chooses, or an auto-dispatch that offers the nearest and moves on when nobody answers; and every offer
 * made so far, with its live status and the time left to answer.
 */
export function DispatchPanel({ alert, people }: { alert: AlertRead; people: People }) {
  const open = isOpen(alert.status);
  const teams = useTeamsById();
  const [filters, setFilters] = useState<CandidateFilters>({ skills: [], teamId: null });
  const [timeoutSeconds, setTimeoutSeconds] = useState(60);
  const candidates = useDispatchCandidates(alert.id, filters, open);
  const offers = useDispatchOffers(alert.id);
  const offer = useOfferAlert(alert.id);
  const start = useStartAutoDispatch(alert.id);
  const stop = useStopAutoDispatch(alert.id);
  const running = runningAutoOffer(offers.data);
  const teamName = (id: string) => teams.byId.get(id)?.name;
  const id = useId();

  const offerTo = (candidate: CandidateRead) => {
    const name = candidate.responder.full_name;
    offer.mutate(
      { responderId: candidate.responder.user_id, timeoutSeconds },
      {
        onSuccess: () =>
          notify({ tone: "success", title: `Offered to ${name}`, description: "Waiting for an answer." }),
        onError: (error) => notifyError(`Could not offer the alert to ${name}`, error),
      },
    );
  };

  const startAuto = () =>
    start.mutate(
      {
        timeout_seconds: timeoutSeconds,
        ...(filters.skills.length ? { skills: filters.skills } : {}),
        ...(filters.teamId ? { team_id: filters.teamId } : {}),
      },
      {
        onSuccess: (chain) => {
          const to = chain.current_offer ? people.nameOf(chain.current_offer.responder_id, "a responder") : null;
          notify(
            to
              ? { tone: "success", title: "Auto-dispatch started", description: `Offered to ${to} first.` }
              : {
                  tone: "error",
                  title: "Auto-dispatch found nobody to offer the alert to",
                  description: "No available responder matches. Change the team or skills, or assign by hand.",
                },
          );
        },
        onError: (error) => notifyError("Could not start auto-dispatch", error),
      },
    );

  const stopAuto = () =>
    stop.mutate(undefined, {
      onSuccess: () =>
        notify({ tone: "success", title: "Auto-dispatch stopped", description: "Its offer was withdrawn." }),
      onError: (error) => notifyError("Could not stop auto-dispatch", error),
    });

  return (
    <div className="flex flex-col gap-md">
      {open ? (
        <>
          <div className="flex flex-wrap items-center gap-sm">
            {running ? (
              <>
                <p role="status" className="flex-1 text-sm font-medium text-foreground">
                  <Bot aria-hidden="true" className="mr-xs inline size-4" />
                  Auto-dispatch is running: waiting for {people.nameOf(running.responder_id, "a responder")}.
                </p>
                <Button variant="danger" size="sm" onClick={stopAuto} disabled={stop.isPending}>
                  <OctagonX aria-hidden="true" /> {stop.isPending ? "Stopping…" : "Stop auto-dispatch"}
                </Button>
              </>
            ) : (
              <>
                <p className="flex-1 text-sm text-muted-foreground">
                  Offer the alert to one responder, or let auto-dispatch offer it to the nearest and move on when nobody
                  answers in time.
                </p>
                <Button size="sm" onClick={startAuto} disabled={start.isPending || !offers.data}>
                  <Bot aria-hidden="true" /> {start.isPending ? "Starting…" : "Auto-dispatch"}
                </Button>
              </>
            )}
          </div>
          <DispatchFilters
            filters={filters}
            onFilters={setFilters}
            timeoutSeconds={timeoutSeconds}
            onTimeout={setTimeoutSeconds}
          />
          <section aria-labelledby={`${id}-candidates`} className="flex flex-col gap-xs">
            <h3 id={`${id}-candidates`} className="text-sm font-semibold text-foreground">
              Candidates
            </h3>
            <QueryBody query={candidates} loading="Ranking responders" rows={2}>
              {(ranking) => (
                <CandidateList
                  ranking={ranking}
                  alertId={alert.id}
                  teamName={teamName}
                  busyResponderId={offer.isPending ? (offer.variables?.responderId ?? null) : null}
                  onOffer={offerTo}
                />
              )}
            </QueryBody>
          </section>
        </>
      ) : null}
      <section aria-labelledby={`${id}-offers`} className="flex flex-col gap-xs">
        <h3 id={`${id}-offers`} className="text-sm font-semibold text-foreground">
          Offers
        </h3>
        {offers.data ? (
          <OfferList offers={offers.data} people={people} />
        ) : offers.isError ? (
          <ErrorState error={offers.error} onRetry={() => void offers.refetch()} />
        ) : (
          <LoadingRows rows={1} label="Loading offers" />
        )}
      </section>
    </div>
  );
}
