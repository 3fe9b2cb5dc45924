import type { MyOfferRead } from "@sos/contracts";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json, ME, problem, renderWithClient, settle, signInAs } from "@/components/messages/test-kit";
import { useToasts } from "@/lib/toast";
import { PendingOffers } from "./pending-offers";
import { myOffer } from "./test-fixtures";

const OFFER = myOffer({ responder_id: ME });
const OFFER_PATH = `/api/v1/alerts/${OFFER.alert_id}/dispatch/offers/${OFFER.id}`;

type Routes = Parameters<typeof fakeApi>[0];

/** My pending offers; answering one takes it off the list, as on the real server. */
function offersApi(overrides: Routes = {}, initial: MyOfferRead[] = [OFFER]) {
  let pending = initial;
  const answered = () => {
    pending = [];
    return json({ ...OFFER, status: "accepted" });
  };
  return {
    set: (offers: MyOfferRead[]) => (pending = offers),
    ...fakeApi({
      "GET /api/v1/me/dispatch-offers": () => json(pending),
      [`POST ${OFFER_PATH}/accept`]: answered,
      [`POST ${OFFER_PATH}/decline`]: answered,
      ...overrides,
    }),
  };
}

beforeEach(() => {
  signInAs("responder");
  useToasts.setState({ toasts: [] });
});

describe("PendingOffers", () => {
  it("shows an offer with its alert, distance, reason and time left", async () => {
    offersApi();
    renderWithClient(<PendingOffers />);

    const card = await screen.findByRole("article", { name: "Medical alert offered to you" });
    expect(screen.getByRole("heading", { name: "Offered to you (1)" })).toBeInTheDocument();
    expect(card).toHaveTextContent("Severity: Critical");
    expect(card).toHaveTextContent("420 m away");
    expect(card).toHaveTextContent("Nearest available: 420 m, skill first_aid");
    expect(within(card).getByRole("timer")).toHaveTextContent(/0:5\d left/);
  });

  it("shows nothing while no offer waits", async () => {
    const api = offersApi({}, []);
    renderWithClient(<PendingOffers />);
    await waitFor(() => expect(api.to("GET", "/api/v1/me/dispatch-offers")).toHaveLength(1));
    await settle();
    expect(screen.queryByRole("article")).not.toBeInTheDocument();
  });

  it("accepts from the keyboard: the card goes and focus moves on", async () => {
    const api = offersApi();
    const onAccepted = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<PendingOffers onAccepted={onAccepted} />);
    const accept = await screen.findByRole("button", { name: "Accept the medical alert" });

    accept.focus();
    await user.keyboard("{Enter}");

    await waitFor(() => expect(screen.queryByRole("article")).not.toBeInTheDocument());
    expect(api.to("POST", `${OFFER_PATH}/accept`)).toHaveLength(1);
    expect(onAccepted).toHaveBeenCalledTimes(1);
    expect(useToasts.getState().toasts[0]).toMatchObject({ tone: "success", title: "You took on the medical alert" });
  });

  it("declines with a reason given in a dialog", async () => {
    const api = offersApi();
    const user = userEvent.setup();
    renderWithClient(<PendingOffers />);

    await user.click(await screen.findByRole("button", { name: "Decline the medical alert" }));
    const dialog = screen.getByRole("dialog", { name: "Decline the medical alert?" });
    await user.type(within(dialog).getByLabelText("Reason (optional)"), "Already on another call");
    await user.click(within(dialog).getByRole("button", { name: "Decline offer" }));

    await waitFor(() => expect(screen.queryByRole("article")).not.toBeInTheDocument());
    expect(api.to("POST", `${OFFER_PATH}/decline`)[0]?.body).toEqual({ reason: "Already on another call" });
  });

  it("brings the offer back and explains when it ran out meanwhile", async () => {
    offersApi({
      [`POST ${OFFER_PATH}/accept`]: () =>
        problem(409, "The offer expired before it was accepted.", "invalid_state_transition"),
    });
    const user = userEvent.setup();
    renderWithClient(<PendingOffers />);

    await user.click(await screen.findByRole("button", { name: "Accept the medical alert" }));

    await waitFor(() => expect(useToasts.getState().toasts).toHaveLength(1));
    expect(useToasts.getState().toasts[0]).toMatchObject({
      tone: "error",
      title: "Could not accept the medical alert",
      description: expect.stringMatching(/expired before it was accepted/),
    });
    expect(screen.getByRole("article", { name: "Medical alert offered to you" })).toBeInTheDocument();
  });

  it("announces an offer that arrives while the page is open", async () => {
    const api = offersApi({}, []);
    const { client } = renderWithClient(<PendingOffers />);
    const live = () => document.querySelector("[aria-live='assertive']")?.textContent;
    await waitFor(() => expect(api.to("GET", "/api/v1/me/dispatch-offers")).toHaveLength(1));
    expect(live()).toBe("");

    api.set([OFFER]);
    await act(() => client.invalidateQueries());

    await screen.findByRole("article");
    expect(live()).toMatch(/^New dispatch offer: critical medical alert, 420 m away\. 0:5\d to answer\.$/);
  });

  it("keeps Accept and Decline when this device's clock says the time is up, and asks the server again", async () => {
    const soon = myOffer({ responder_id: ME, expires_at: new Date(Date.now() + 1_500).toISOString() });
    const api = offersApi({}, [soon]);
    renderWithClient(<PendingOffers />);
    await screen.findByRole("button", { name: "Accept the medical alert" });

    expect(await screen.findByText(/Time is up by this device's clock/, {}, { timeout: 3_000 })).toBeVisible();
    expect(screen.getByRole("button", { name: "Accept the medical alert" })).toBeEnabled();
    // The inbox asks the server, the judge of expiry, again.
    await waitFor(() => expect(api.to("GET", "/api/v1/me/dispatch-offers").length).toBeGreaterThan(1));
  });
});
