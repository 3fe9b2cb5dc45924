/** Dispatch records as the API returns them, for the dispatch component tests. */
import type { CandidateRead, MyOfferRead, OfferRead } from "@sos/contracts";
import { makeAlert, ORG_ID } from "@/components/messages/test-kit";
import type { People } from "@/lib/queries/responders";

export const ALERT = makeAlert({
  id: "01a21464-3000-7000-8000-0000000000a1",
  status: "triggered",
  lat: 52.52,
  lon: 13.405,
  created_at: new Date(Date.now() - 3 * 60_000).toISOString(),
});

export const MIA = "01a21464-3000-7000-8000-0000000000e1";
export const LEA = "01a21464-3000-7000-8000-0000000000e2";
export const CORA = "01a21464-3000-7000-8000-0000000000c1";
export const TEAM_ID = "01a21464-3000-7000-8000-0000000000d1";

const NAMES: Record<string, string> = { [MIA]: "Mia Paramedic", [LEA]: "Lea Medic", [CORA]: "Cora Coordinator" };

/** Names as the member directory gives them to staff. */
export const people: People = {
  hasDirectory: true,
  member: () => undefined,
  nameOf: (id, fallback = "Another member") => (id ? (NAMES[id] ?? fallback) : "System"),
};

export function candidate(overrides: Partial<CandidateRead> & { user_id: string; full_name: string }): CandidateRead {
  const { user_id, full_name, ...rest } = overrides;
  return {
    responder: {
      user_id,
      full_name,
      skills: ["first_aid", "cpr"],
      availability: "available",
      team_ids: [TEAM_ID],
      last_location: { lat: 52.5238, lon: 13.405, accuracy_m: 10, recorded_at: ALERT.created_at },
    },
    rank: 1,
    distance_m: 420,
    eta_seconds: null,
    matched_skills: [],
    reason: "nearest available: 420 m",
    engaged_alert_id: null,
    ...rest,
  };
}

export function offer(overrides: Partial<OfferRead> = {}): OfferRead {
  const now = Date.now();
  return {
    id: "01a21464-3000-7000-8000-0000000000f1",
    alert_id: ALERT.id,
    responder_id: MIA,
    team_id: null,
    chain_id: null,
    mode: "manual",
    rank: null,
    distance_m: 420,
    eta_seconds: null,
    skills: [],
    reason: "chosen by a coordinator: 420 m away",
    status: "offered",
    offered_by_id: CORA,
    offered_at: new Date(now - 5_000).toISOString(),
    expires_at: new Date(now + 55_000).toISOString(),
    decided_at: null,
    decline_reason: null,
    ...overrides,
  };
}

export function myOffer(overrides: Partial<MyOfferRead> = {}): MyOfferRead {
  return {
    ...offer({ mode: "auto", rank: 1, chain_id: "01a21464-3000-7000-8000-0000000000b1", offered_by_id: null }),
    reason: "nearest available: 420 m, skill first_aid",
    skills: ["first_aid"],
    alert: {
      id: ALERT.id,
      status: ALERT.status,
      severity: "critical",
      category: "medical",
      lat: ALERT.lat,
      lon: ALERT.lon,
      created_at: ALERT.created_at,
    },
    ...overrides,
  };
}

export { ORG_ID };
