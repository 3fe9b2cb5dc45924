"use client";

import {
  acceptDispatchOffer,
  declineDispatchOffer,
  getTeamDispatchSettings,
  listDispatchCandidates,
  listDispatchOffers,
  listMyDispatchOffers,
  offerAlert,
  putTeamDispatchSettings,
  startAutoDispatch,
  stopAutoDispatch,
  type AutoDispatchIn,
  type ChainRead,
  type DispatchSettingsIn,
  type DispatchSettingsRead,
  type MyOfferRead,
  type OfferRead,
} from "@sos/contracts";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { callWithFieldErrors } from "@/components/admin/field-errors";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

/** Which responders to rank for an alert: all of these skills, one team's members. */
export interface CandidateFilters {
  skills: string[];
  teamId: string | null;
}

/**
 * Dispatch queries live under the alert's detail key, so whatever refreshes an alert (a transition, an event on its
 * stream) refreshes its candidates and offers too. My pending offers live under the alerts key for the same reason.
 */
export const dispatchKeys = {
  all: (alertId: string) => [...keys.alerts.detail(alertId), "dispatch"] as const,
  candidates: (alertId: string, filters: CandidateFilters) =>
    [...keys.alerts.detail(alertId), "dispatch", "candidates", filters] as const,
  offers: (alertId: string) => [...keys.alerts.detail(alertId), "dispatch", "offers"] as const,
  mine: [...keys.alerts.all, "dispatch-offers", "mine"] as const,
  settings: (teamId: string) => [...keys.teams.all, teamId, "dispatch-settings"] as const,
};

const CANDIDATE_LIMIT = 10;

/** Available responders ranked for the alert by the server: nearest (or fastest by road) first. */
export function useDispatchCandidates(alertId: string, filters: CandidateFilters, enabled = true) {
  return useLiveQuery({
    topic: "assignments",
    queryKey: dispatchKeys.candidates(alertId, filters),
    queryFn: ({ signal }) =>
      call(
        listDispatchCandidates({
          client: api,
          path: { alert_id: alertId },
          query: {
            limit: CANDIDATE_LIMIT,
            ...(filters.skills.length ? { skill: filters.skills } : {}),
            ...(filters.teamId ? { team_id: filters.teamId } : {}),
          },
          signal,
        }),
      ),
    enabled,
    // A new filter keeps the previous ranking on screen until the new one arrives.
    placeholderData: (previous) => previous,
  });
}

/** Every offer made for the alert, oldest first, with its live status. */
export function useDispatchOffers(alertId: string, enabled = true) {
  return useLiveQuery({
    topic: "assignments",
    queryKey: dispatchKeys.offers(alertId),
    queryFn: ({ signal }) => call(listDispatchOffers({ client: api, path: { alert_id: alertId }, signal })),
    enabled,
  });
}

/** The signed-in responder's pending offers, each with a summary of its alert. */
export function useMyDispatchOffers(enabled = true) {
  return useLiveQuery({
    topic: "assignments",
    queryKey: dispatchKeys.mine,
    queryFn: ({ signal }) => call(listMyDispatchOffers({ client: api, signal })),
    enabled,
  });
}

/** An offer that is still waiting for its answer: an auto-dispatch with one is running. */
export const isWaiting = (offer: OfferRead, now: number): boolean =>
  offer.status === "offered" && Date.parse(offer.expires_at) > now;

function addOffer(client: QueryClient, offer: OfferRead | null | undefined): void {
  if (!offer) return;
  client.setQueryData<OfferRead[]>(dispatchKeys.offers(offer.alert_id), (offers) =>
    offers && !offers.some((item) => item.id === offer.id) ? [...offers, offer] : offers,
  );
}

/** Offers the alert to the responder a coordinator chose from the candidates. */
export function useOfferAlert(alertId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ responderId, timeoutSeconds }: { responderId: string; timeoutSeconds?: number }) =>
      call(
        offerAlert({
          client: api,
          path: { alert_id: alertId },
          body: { responder_id: responderId, ...(timeoutSeconds ? { timeout_seconds: timeoutSeconds } : {}) },
        }),
      ),
    onSuccess: (offer) => addOffer(client, offer),
    onSettled: () => void client.invalidateQueries({ queryKey: dispatchKeys.all(alertId) }),
  });
}

/** Starts an auto-dispatch: the nearest available responder gets the offer, then the next-nearest. */
export function useStartAutoDispatch(alertId: string) {
  const client = useQueryClient();
  return useMutation<ChainRead, Error, AutoDispatchIn>({
    mutationFn: (body) => call(startAutoDispatch({ client: api, path: { alert_id: alertId }, body })),
    onSuccess: (chain) => addOffer(client, chain.current_offer),
    onSettled: () => void client.invalidateQueries({ queryKey: dispatchKeys.all(alertId) }),
  });
}

/** Stops the alert's auto-dispatch; its pending offer is withdrawn. */
export function useStopAutoDispatch(alertId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(stopAutoDispatch({ client: api, path: { alert_id: alertId } })),
    onSettled: () => void client.invalidateQueries({ queryKey: dispatchKeys.all(alertId) }),
  });
}

type Answer = { offer: MyOfferRead; decision: "accept" } | { offer: MyOfferRead; decision: "decline"; reason?: string };

/**
 * Accepts or declines one of my offers. The offer leaves my inbox at once and comes back if the server refuses
 * (it expired or was withdrawn meanwhile: the refetch then drops it for good). Accepting assigns me, so my
 * assignments are refetched.
 */
export function useAnswerOffer() {
  const client = useQueryClient();
  return useMutation<OfferRead, Error, Answer, { previous: MyOfferRead[] | undefined }>({
    mutationFn: (answer) => {
      const path = { alert_id: answer.offer.alert_id, offer_id: answer.offer.id };
      if (answer.decision === "accept") return call(acceptDispatchOffer({ client: api, path }));
      return call(declineDispatchOffer({ client: api, path, body: answer.reason ? { reason: answer.reason } : null }));
    },
    onMutate: async ({ offer }) => {
      await client.cancelQueries({ queryKey: dispatchKeys.mine });
      const previous = client.getQueryData<MyOfferRead[]>(dispatchKeys.mine);
      client.setQueryData<MyOfferRead[]>(dispatchKeys.mine, (offers) => offers?.filter((item) => item.id !== offer.id));
      return { previous };
    },
    onError: (_error, _answer, context) => client.setQueryData(dispatchKeys.mine, context?.previous),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.alerts.all }),
  });
}

/** A team's dispatch settings (the defaults, at version 0, until someone saves them). */
export function useTeamDispatchSettings(teamId: string) {
  return useLiveQuery({
    topic: "directory",
    queryKey: dispatchKeys.settings(teamId),
    queryFn: ({ signal }) => call(getTeamDispatchSettings({ client: api, path: { team_id: teamId }, signal })),
  });
}

/** Replaces a team's dispatch settings; If-Match makes a stale edit fail (412) instead of overwriting. */
export function usePutTeamDispatchSettings(teamId: string) {
  const client = useQueryClient();
  return useMutation<DispatchSettingsRead, Error, { version: number; settings: DispatchSettingsIn }>({
    mutationFn: ({ version, settings }) =>
      callWithFieldErrors(
        putTeamDispatchSettings({ client: api, path: { team_id: teamId }, headers: ifMatch(version), body: settings }),
      ),
    onSuccess: (saved) => client.setQueryData(dispatchKeys.settings(teamId), saved),
    onSettled: () => void client.invalidateQueries({ queryKey: dispatchKeys.settings(teamId) }),
  });
}
