import type { NotificationRead } from "@sos/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeApi, json, renderWithClient, signInAs } from "@/components/messages/test-kit";
import { NotificationsMenu } from "./notifications-menu";

const ALERT_ID = "01a21464-2000-7000-8000-0000000000a1";

function makeNotification(overrides: Partial<NotificationRead> = {}): NotificationRead {
  return {
    id: "01a21464-3000-7000-8000-000000000001",
    alert_id: ALERT_ID,
    kind: "escalation",
    title: "SOS escalated to you",
    body: "Critical medical SOS, tier 1: nobody has acknowledged it yet.",
    channel: "in_app",
    status: "delivered",
    created_at: "2026-11-25T10:00:00Z",
    delivered_at: "2026-11-25T10:00:01Z",
    read_at: null,
    ...overrides,
  };
}

const UNREAD = makeNotification();
const READ = makeNotification({
  id: "01a21464-3000-7000-8000-000000000002",
  title: "Assigned to an SOS",
  read_at: "2026-11-25T09:00:00Z",
  status: "read",
});

describe("NotificationsMenu", () => {
  beforeEach(() => signInAs("responder"));

  it("says how many notifications are unread on the bell", async () => {
    fakeApi({ "GET /api/v1/me/notifications": () => json({ items: [UNREAD, READ], next_cursor: null }) });
    renderWithClient(<NotificationsMenu />);
    expect(await screen.findByRole("button", { name: "Notifications, 1 unread" })).toBeInTheDocument();
  });

  it("lists each notification with a link to its alert", async () => {
    fakeApi({ "GET /api/v1/me/notifications": () => json({ items: [UNREAD, READ], next_cursor: null }) });
    renderWithClient(<NotificationsMenu />);
    await userEvent.click(await screen.findByRole("button", { name: /Notifications/ }));
    const dialog = await screen.findByRole("dialog", { name: "Notifications" });
    expect(within(dialog).getByText("SOS escalated to you")).toBeInTheDocument();
    expect(within(dialog).getAllByRole("link", { name: "Open alert" })[0]).toHaveAttribute(
      "href",
      expect.stringMatching(new RegExp(`^/alerts/view/?\\?id=${ALERT_ID}$`)),
    );
  });

  it("marks a notification read at once and tells the server", async () => {
    let stored = UNREAD;
    const api = fakeApi({
      "GET /api/v1/me/notifications": () => json({ items: [stored], next_cursor: null }),
      [`POST /api/v1/me/notifications/${UNREAD.id}/read`]: () => {
        stored = { ...UNREAD, read_at: "2026-11-25T10:05:00Z", status: "read" };
        return json(stored);
      },
    });
    renderWithClient(<NotificationsMenu />);
    await userEvent.click(await screen.findByRole("button", { name: "Notifications, 1 unread" }));
    await userEvent.click(await screen.findByRole("button", { name: "Mark read" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Mark read" })).not.toBeInTheDocument());
    expect(api.to("POST", `/api/v1/me/notifications/${UNREAD.id}/read`)).toHaveLength(1);
  });

  it("says so when nothing has reached the person yet", async () => {
    fakeApi({ "GET /api/v1/me/notifications": () => json({ items: [], next_cursor: null }) });
    renderWithClient(<NotificationsMenu />);
    await userEvent.click(await screen.findByRole("button", { name: "Notifications" }));
    expect(await screen.findByText("No notifications yet.")).toBeInTheDocument();
  });
});
