import { onlineManager } from "@tanstack/react-query";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useToasts } from "@/lib/toast";
import { MessageThread } from "./message-thread";
import { fakeApi, json, makeAlert, makeMessage, ME, OTHER, problem, renderWithClient, signInAs } from "./test-kit";

const ALERT_ID = "01a21464-2000-7000-8000-000000000001";
const MESSAGES = `/api/v1/alerts/${ALERT_ID}/messages`;
const thread = { kind: "alert", id: ALERT_ID } as const;

/** The fake API of a reporter's alert thread; `post` decides what posting a message does. */
function reporterThread(post: Parameters<typeof fakeApi>[0][string]) {
  const stored = [makeMessage({ body: "Coordinator here: help is coming.", author_id: OTHER })];
  return fakeApi({
    [`GET ${MESSAGES}`]: () => json({ items: stored, next_cursor: null }),
    [`POST ${MESSAGES}`]: post,
    [`GET /api/v1/alerts/${ALERT_ID}`]: () => json(makeAlert({ reporter_id: ME, dispatched_by_id: OTHER })),
    [`GET /api/v1/alerts/${ALERT_ID}/assignments`]: () => json([]),
  });
}

beforeEach(() => {
  signInAs("reporter");
  useToasts.setState({ toasts: [] });
});

afterEach(() => {
  onlineManager.setOnline(true);
});

describe("MessageThread", () => {
  it("lists messages oldest first in a live log, naming me and the others by what the API tells", async () => {
    fakeApi({
      [`GET ${MESSAGES}`]: () =>
        json({
          items: [
            makeMessage({ id: "01a21464-1000-7000-8000-000000000001", body: "First", author_id: OTHER }),
            makeMessage({ id: "01a21464-1000-7000-8000-000000000002", body: "Second", author_id: ME }),
          ],
        }),
      [`GET /api/v1/alerts/${ALERT_ID}`]: () => json(makeAlert({ reporter_id: ME, dispatched_by_id: OTHER })),
      [`GET /api/v1/alerts/${ALERT_ID}/assignments`]: () => json([]),
    });
    renderWithClient(<MessageThread thread={thread} />);

    const log = await screen.findByRole("log", { name: "Messages" });
    expect(log).toHaveAttribute("aria-live", "polite");
    const items = within(log).getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringContaining("First"),
      expect.stringContaining("Second"),
    ]);
    expect(items[1]).toHaveTextContent("You");
    await waitFor(() => expect(items[0]).toHaveTextContent("Coordinator"));
  });

  it("says so when there are no messages yet", async () => {
    fakeApi({
      [`GET ${MESSAGES}`]: () => json({ items: [] }),
      [`GET /api/v1/alerts/${ALERT_ID}`]: () => json(makeAlert({ reporter_id: ME })),
      [`GET /api/v1/alerts/${ALERT_ID}/assignments`]: () => json([]),
    });
    renderWithClient(<MessageThread thread={thread} />);
    expect(await screen.findByText("No messages yet")).toBeInTheDocument();
  });

  it("sends the trimmed text with Enter and keeps Shift+Enter for a new line", async () => {
    const api = reporterThread(({ body }) =>
      json(makeMessage({ id: "01a21464-1000-7000-8000-000000000009", author_id: ME, ...(body as object) }), 201),
    );
    const user = userEvent.setup();
    renderWithClient(<MessageThread thread={thread} />);
    const box = await screen.findByLabelText("Write a message");
    expect(box).toHaveAttribute("maxlength", "4000");

    await user.type(box, "  I am on the 3rd floor{Shift>}{Enter}{/Shift}room 12  ");
    expect(api.to("POST", MESSAGES)).toHaveLength(0);
    await user.keyboard("{Enter}");

    await waitFor(() => expect(api.to("POST", MESSAGES)).toHaveLength(1));
    expect(api.to("POST", MESSAGES)[0]?.body).toEqual({ body: "I am on the 3rd floor\nroom 12" });
    expect(box).toHaveValue("");
  });

  it("refuses an empty message with an inline explanation and sends nothing", async () => {
    const api = reporterThread(() => json(makeMessage(), 201));
    const user = userEvent.setup();
    renderWithClient(<MessageThread thread={thread} />);
    const box = await screen.findByLabelText("Write a message");

    await user.type(box, "   ");
    await user.click(screen.getByRole("button", { name: "Send" }));

    expect(screen.getByRole("alert")).toHaveTextContent("Write a message before sending.");
    expect(box).toHaveAttribute("aria-invalid", "true");
    expect(api.to("POST", MESSAGES)).toHaveLength(0);
  });

  it("shows a message as sending until the server has it", async () => {
    let answer: (value: ReturnType<typeof json>) => void = () => undefined;
    reporterThread(() => new Promise((resolve) => (answer = resolve)));
    const user = userEvent.setup();
    renderWithClient(<MessageThread thread={thread} />);
    await user.type(await screen.findByLabelText("Write a message"), "Smoke on the stairs{Enter}");

    const pending = await screen.findByText("Smoke on the stairs");
    const item = pending.closest("li");
    expect(item).toHaveTextContent("Sending…");
    expect(item).toHaveAttribute("aria-busy", "true");

    const stored = makeMessage({ id: "01a21464-1000-7000-8000-00000000000a", author_id: ME, body: "Smoke on the stairs" });
    answer(json(stored, 201));
    await waitFor(() => expect(screen.queryByText("Sending…")).not.toBeInTheDocument());
  });

  it("puts the text back in the composer and explains when sending fails", async () => {
    reporterThread(() => problem(503, "The server is busy.", "unavailable"));
    const user = userEvent.setup();
    renderWithClient(<MessageThread thread={thread} />);
    const box = await screen.findByLabelText("Write a message");

    await user.type(box, "Please hurry{Enter}");

    await waitFor(() => expect(box).toHaveValue("Please hurry"));
    expect(screen.queryByText("Sending…")).not.toBeInTheDocument();
    expect(useToasts.getState().toasts).toEqual([
      expect.objectContaining({ tone: "error", title: "Your message was not sent" }),
    ]);
  });

  it("keeps the text and sends nothing while the browser knows it is offline", async () => {
    const api = reporterThread(() => json(makeMessage(), 201));
    const user = userEvent.setup();
    renderWithClient(<MessageThread thread={thread} />);
    const box = await screen.findByLabelText("Write a message");
    act(() => onlineManager.setOnline(false));

    await user.type(box, "Still here{Enter}");

    expect(box).toHaveValue("Still here");
    expect(screen.getByRole("alert")).toHaveTextContent(/You are offline. Your message stays here/);
    expect(api.to("POST", MESSAGES)).toHaveLength(0);
  });

  it("keeps the text when the server cannot be reached", async () => {
    reporterThread(() => "network-error");
    const user = userEvent.setup();
    renderWithClient(<MessageThread thread={thread} />);
    const box = await screen.findByLabelText("Write a message");

    await user.type(box, "Still here{Enter}");

    await waitFor(() => expect(box).toHaveValue("Still here"));
    expect(useToasts.getState().toasts[0]?.description).toMatch(/offline/);
  });
});
