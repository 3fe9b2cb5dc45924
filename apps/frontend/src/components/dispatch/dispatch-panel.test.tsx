import type { CandidatesRead, ChainRead, OfferRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeApi, json, problem, renderWithClient, signInAs } from "@/components/messages/test-kit";
import { useToasts } from "@/lib/toast";
import { DispatchPanel } from "./dispatch-panel";
import { ALERT, candidate, CORA, LEA, MIA, offer, people, TEAM_ID } from "./test-fixtures";

const BASE = `/api/v1/alerts/${ALERT.id}/dispatch`;

const RANKING: CandidatesRead = {
  items: [
    candidate({
      user_id: MIA,
      full_name: "Mia Paramedic",
      rank: 1,
      distance_m: 420,
      eta_seconds: 240,
      matched_skills: ["first_aid"],
      reason: "nearest available: 420 m, skill first_aid",
    }),
    candidate({
      user_id: LEA,
      full_name: "Lea Medic",
      rank: 2,
      distance_m: 2_350,
      matched_skills: ["first_aid"],
      reason: "next nearest available (#2): 2.4 km, skill first_aid",
      engaged_alert_id: ALERT.id,
    }),
  ],
  ranked_by: "distance",
  origin: { lat: ALERT.lat, lon: ALERT.lon },
  radius_km: 50,
  location_max_age_minutes: 30,
  routing_note: null,
};

const TEAM = {
  id: TEAM_ID,
  organization_id: ALERT.organization_id,
  name: "Kreuzberg Medical",
  description: null,
  parent_id: null,
  created_at: ALERT.created_at,
  updated_at: ALERT.created_at,
  version: 1,
};

type Routes = Parameters<typeof fakeApi>[0];

/** The dispatch API of one alert; offers made through it show in later reads, as on the real server. */
function dispatchApi(overrides: Routes = {}) {
  let offers: OfferRead[] = [];
  return fakeApi({
    "GET /api/v1/teams": () => json({ items: [TEAM], next_cursor: null }),
    [`GET ${BASE}/candidates`]: () => json(RANKING),
    [`GET ${BASE}/offers`]: () => json(offers),
    [`POST ${BASE}/offers`]: ({ body }) => {
      const made = offer({ responder_id: (body as { responder_id: string }).responder_id });
      offers = [...offers, made];
      return json(made, 201);
    },
    [`POST ${BASE}/auto`]: () => {
      const made = offer({ mode: "auto", rank: 1, chain_id: "chain", offered_by_id: null });
      offers = [...offers, made];
      const chain: ChainRead = {
        id: "chain",
        alert_id: ALERT.id,
        team_id: null,
        skills: [],
        timeout_seconds: 60,
        max_offers: 10,
        radius_km: 50,
        status: "active",
        offers_made: 1,
        started_by_id: CORA,
        started_at: made.offered_at,
        ended_at: null,
        end_reason: null,
        current_offer: made,
      };
      return json(chain, 201);
    },
    [`DELETE ${BASE}/auto`]: () => {
      offers = offers.map((item) => ({ ...item, status: "withdrawn", decided_at: new Date().toISOString() }));
      return { status: 204 };
    },
    ...overrides,
  });
}

beforeEach(() => {
  signInAs("coordinator", CORA);
  useToasts.setState({ toasts: [] });
});

describe("DispatchPanel", () => {
  it("lists the candidates the server ranked, with distance, road time, matched skills and the reason", async () => {
    dispatchApi();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);

    const list = await screen.findByRole("list", { name: "Candidates ranked by distance" });
    const [first, second] = within(list).getAllByRole("listitem");
    expect(first).toHaveTextContent("Rank 1: Mia Paramedic");
    expect(first).toHaveTextContent("420 m away · about 4 min by road");
    expect(first).toHaveTextContent("Why: Nearest available: 420 m, skill first_aid");
    expect(within(first!).getByText("first aid").closest("strong")).toHaveTextContent("first aid (required)");
    expect(await within(first!).findByText(/Teams: Kreuzberg Medical/)).toBeInTheDocument();
    expect(second).toHaveTextContent("Rank 2: Lea Medic");
    expect(second).toHaveTextContent("2.4 km away");
    expect(second).toHaveTextContent("Already offered or working this alert");
    expect(within(second!).getByRole("button", { name: "Offer to Lea Medic" })).toBeDisabled();
  });

  it("says that only responders with a recent position are ranked", async () => {
    dispatchApi();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);

    await screen.findByRole("list", { name: "Candidates ranked by distance" });
    expect(screen.getByText(/from positions of the last 30 min/)).toBeInTheDocument();
  });

  it("offers the alert to the chosen candidate with the chosen answer time and shows the offer waiting", async () => {
    const api = dispatchApi();
    const user = userEvent.setup();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);

    await user.selectOptions(screen.getByLabelText("Time to answer an offer"), "2 minutes");
    await user.click(await screen.findByRole("button", { name: "Offer to Mia Paramedic" }));

    const offers = await screen.findByRole("list", { name: "Offers, newest first" });
    expect(await within(offers).findByText("Waiting for an answer")).toBeInTheDocument();
    expect(within(offers).getByRole("timer")).toHaveTextContent(/0:5\d left/);
    expect(within(offers).getByText(/Chosen by Cora Coordinator/)).toBeInTheDocument();
    expect(api.to("POST", `${BASE}/offers`)[0]?.body).toEqual({ responder_id: MIA, timeout_seconds: 120 });
    expect(useToasts.getState().toasts[0]).toMatchObject({ tone: "success", title: "Offered to Mia Paramedic" });
  });

  it("asks for candidates of the chosen team with the required skills", async () => {
    const api = dispatchApi();
    const user = userEvent.setup();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);
    await screen.findByRole("option", { name: "Kreuzberg Medical" });

    await user.selectOptions(screen.getByLabelText("Team"), "Kreuzberg Medical");
    await user.type(screen.getByLabelText("Required skills"), "first_aid, CPR{Enter}");

    await waitFor(() => {
      const last = api.to("GET", `${BASE}/candidates`).at(-1);
      expect(last?.search.get("team_id")).toBe(TEAM_ID);
      expect(last?.search.getAll("skill")).toEqual(["first_aid", "cpr"]);
    });
  });

  it("refuses a skill the API would not accept, next to the field", async () => {
    const api = dispatchApi();
    const user = userEvent.setup();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);
    await screen.findByRole("list", { name: "Candidates ranked by distance" });
    const before = api.to("GET", `${BASE}/candidates`).length;

    await user.type(screen.getByLabelText("Required skills"), "first aid!{Enter}");

    expect(screen.getByRole("alert")).toHaveTextContent("Not a valid skill: aid!");
    expect(screen.getByLabelText("Required skills")).toHaveAttribute("aria-invalid", "true");
    expect(api.to("GET", `${BASE}/candidates`)).toHaveLength(before);
  });

  it("starts auto-dispatch with the filters, says whom it waits for, and stops it", async () => {
    const api = dispatchApi();
    const user = userEvent.setup();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);
    await screen.findByRole("option", { name: "Kreuzberg Medical" });
    await user.selectOptions(screen.getByLabelText("Team"), "Kreuzberg Medical");

    await user.click(screen.getByRole("button", { name: "Auto-dispatch" }));

    expect(await screen.findByText("Auto-dispatch is running: waiting for Mia Paramedic.")).toBeInTheDocument();
    expect(api.to("POST", `${BASE}/auto`)[0]?.body).toEqual({ timeout_seconds: 60, team_id: TEAM_ID });
    expect(screen.getByText(/Auto-dispatch, offer 1/)).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Stop auto-dispatch" }));

    expect(await screen.findByRole("button", { name: "Auto-dispatch" })).toBeInTheDocument();
    expect(api.to("DELETE", `${BASE}/auto`)).toHaveLength(1);
    expect(await screen.findByText("Withdrawn")).toBeInTheDocument();
  });

  it("explains a refused offer", async () => {
    dispatchApi({
      [`POST ${BASE}/offers`]: () => problem(409, "The responder is engaged on another open alert.", "in_use"),
    });
    const user = userEvent.setup();
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);

    await user.click(await screen.findByRole("button", { name: "Offer to Mia Paramedic" }));

    await waitFor(() => expect(useToasts.getState().toasts).toHaveLength(1));
    expect(useToasts.getState().toasts[0]).toMatchObject({
      tone: "error",
      title: "Could not offer the alert to Mia Paramedic",
      description: expect.stringMatching(/engaged on another open alert/),
    });
  });

  it("shows the answers offers got, and the reason a responder declined", async () => {
    const decided = new Date(Date.now() - 60_000).toISOString();
    dispatchApi({
      [`GET ${BASE}/offers`]: () =>
        json([
          offer({ status: "declined", decided_at: decided, decline_reason: "Car broke down" }),
          offer({ id: "second", responder_id: LEA, status: "expired", decided_at: decided, mode: "auto", rank: 2 }),
        ]),
    });
    renderWithClient(<DispatchPanel alert={ALERT} people={people} />);

    const offers = await screen.findByRole("list", { name: "Offers, newest first" });
    expect(within(offers).getByText("Declined")).toBeInTheDocument();
    expect(within(offers).getByText("Car broke down")).toBeInTheDocument();
    expect(within(offers).getByText("Expired unanswered")).toBeInTheDocument();
    expect(within(offers).queryByRole("timer")).not.toBeInTheDocument();
  });

  it("keeps only the offer history on a closed alert", async () => {
    const api = dispatchApi();
    renderWithClient(<DispatchPanel alert={{ ...ALERT, status: "resolved" }} people={people} />);

    expect(await screen.findByText("No offers yet.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Auto-dispatch" })).not.toBeInTheDocument();
    expect(api.to("GET", `${BASE}/candidates`)).toHaveLength(0);
  });
});
