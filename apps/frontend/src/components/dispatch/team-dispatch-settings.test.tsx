import type { DispatchSettingsRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeApi, json, problem, renderWithClient, signInAs, team } from "@/components/admin/test-kit";
import { differs, draftOf, readDraft } from "./settings-model";
import { TeamDispatchSettings } from "./team-dispatch-settings";

const TEAM = team({ id: "01a21464-8470-7aa4-bab6-bc741cb17c66", name: "Kreuzberg Medical" });
const PATH = `/api/v1/teams/${TEAM.id}/dispatch-settings`;

const DEFAULTS: DispatchSettingsRead = {
  team_id: TEAM.id,
  mode: "suggest",
  offer_timeout_seconds: 60,
  required_skills: [],
  max_offers: 10,
  radius_km: 50,
  updated_at: null,
  version: 0,
};

beforeEach(() => signInAs("01a21464-8441-7603-b1f6-e1b491622904"));

describe("TeamDispatchSettings", () => {
  it("switches a team to auto-assign with its answer time and skills, guarded by the version it started from", async () => {
    let saved = DEFAULTS;
    const api = fakeApi({
      [`GET ${PATH}`]: () => json(saved),
      [`PUT ${PATH}`]: async (request) => {
        saved = { ...DEFAULTS, ...((await request.json()) as object), version: 1, updated_at: "2026-11-25T21:00:00Z" };
        return json(saved);
      },
    });
    const user = userEvent.setup();
    renderWithClient(<TeamDispatchSettings team={TEAM} />);
    expect(await screen.findByText("The team uses the default settings.")).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /Suggest/ })).toBeChecked();

    await user.click(screen.getByRole("radio", { name: /Auto-assign/ }));
    const timeout = screen.getByLabelText("Time to answer an offer (seconds)");
    await user.clear(timeout);
    await user.type(timeout, "45");
    await user.type(screen.getByLabelText("Required skills"), "first_aid, CPR");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save dispatch settings" }));

    await waitFor(() => expect(screen.queryByText("Unsaved changes")).not.toBeInTheDocument());
    const [put] = api.sent("PUT", PATH);
    expect(put?.headers.get("If-Match")).toBe('"0"');
    expect(await put?.json()).toEqual({
      mode: "auto",
      offer_timeout_seconds: 45,
      required_skills: ["first_aid", "cpr"],
      max_offers: 10,
      radius_km: 50,
    });
    expect(screen.getByRole("radio", { name: /Auto-assign/ })).toBeChecked();
  });

  it("shows what is wrong next to the field and sends nothing", async () => {
    const api = fakeApi({ [`GET ${PATH}`]: () => json(DEFAULTS) });
    const user = userEvent.setup();
    renderWithClient(<TeamDispatchSettings team={TEAM} />);
    const timeout = await screen.findByLabelText("Time to answer an offer (seconds)");

    await user.clear(timeout);
    await user.type(timeout, "5");
    await user.click(screen.getByRole("button", { name: "Save dispatch settings" }));

    expect(timeout).toHaveAttribute("aria-invalid", "true");
    expect(timeout).toHaveAccessibleDescription(/Enter a whole number of seconds from 10 to 600/);
    expect(api.sent("PUT", PATH)).toHaveLength(0);
  });

  it("says so when someone else saved first", async () => {
    fakeApi({
      [`GET ${PATH}`]: () => json(DEFAULTS),
      [`PUT ${PATH}`]: () =>
        problem(412, "precondition_failed", "The dispatch settings are at version 2, not 0; reload and retry."),
    });
    const user = userEvent.setup();
    renderWithClient(<TeamDispatchSettings team={TEAM} />);

    await user.click(await screen.findByRole("radio", { name: /Auto-assign/ }));
    await user.click(screen.getByRole("button", { name: "Save dispatch settings" }));

    const form = screen.getByRole("form", { name: "Dispatch" });
    expect(await within(form).findByRole("alert")).toHaveTextContent(
      /Someone changed this record while you were looking at it/,
    );
  });
});

describe("settings model", () => {
  it("reads a draft back into the settings the API takes", () => {
    expect(readDraft({ ...draftOf(DEFAULTS), radius_km: "12.5", required_skills: "water-rescue diver" })).toEqual({
      settings: {
        mode: "suggest",
        offer_timeout_seconds: 60,
        required_skills: ["water-rescue", "diver"],
        max_offers: 10,
        radius_km: 12.5,
      },
      errors: {},
    });
  });

  it("refuses counts and distances out of range", () => {
    const { errors, settings } = readDraft({ ...draftOf(DEFAULTS), max_offers: "51", radius_km: "0" });
    expect(settings).toBeUndefined();
    expect(errors.max_offers).toBe("Enter a whole number of offers from 1 to 50.");
    expect(errors.radius_km).toMatch(/above 0 and up to 20,000/);
  });

  it("sees no change in a different spelling of the same settings", () => {
    expect(differs({ ...draftOf(DEFAULTS), radius_km: "50.0" }, DEFAULTS)).toBe(false);
    expect(differs({ ...draftOf(DEFAULTS), mode: "auto" }, DEFAULTS)).toBe(true);
  });
});
