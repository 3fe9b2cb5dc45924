import { makeAlert } from "@/components/messages/test-kit";
import {
  countByStatus,
  DEFAULT_INBOX_FILTERS,
  newArrivals,
  sortForInbox,
  toAlertQuery,
} from "./inbox-model";

const at = (minutesAgo: number) => new Date(Date.parse("2026-11-25T12:00:00Z") - minutesAgo * 60_000).toISOString();

describe("sortForInbox", () => {
  it("puts open alerts before closed ones, then critical before low, then the newest first", () => {
    const alerts = [
      makeAlert({ id: "resolved-critical", status: "resolved", severity: "critical", created_at: at(1) }),
      makeAlert({ id: "open-low-new", status: "triggered", severity: "low", created_at: at(1) }),
      makeAlert({ id: "open-critical-old", status: "on_scene", severity: "critical", created_at: at(30) }),
      makeAlert({ id: "open-critical-new", status: "acknowledged", severity: "critical", created_at: at(2) }),
      makeAlert({ id: "open-high", status: "dispatched", severity: "high", created_at: at(5) }),
      makeAlert({ id: "cancelled-low", status: "cancelled", severity: "low", created_at: at(0) }),
    ];
    expect(sortForInbox(alerts).map((alert) => alert.id)).toEqual([
      "open-critical-new",
      "open-critical-old",
      "open-high",
      "open-low-new",
      "resolved-critical",
      "cancelled-low",
    ]);
  });

  it("leaves the given list untouched", () => {
    const alerts = [makeAlert({ id: "b", severity: "low" }), makeAlert({ id: "a", severity: "critical" })];
    sortForInbox(alerts);
    expect(alerts.map((alert) => alert.id)).toEqual(["b", "a"]);
  });
});

describe("toAlertQuery", () => {
  it("asks for every open status when nothing is picked", () => {
    expect(toAlertQuery(DEFAULT_INBOX_FILTERS)).toEqual({
      status: ["triggered", "acknowledged", "dispatched", "on_scene"],
    });
  });

  it("adds resolved and cancelled when closed alerts are shown", () => {
    expect(toAlertQuery({ ...DEFAULT_INBOX_FILTERS, showClosed: true }).status).toEqual([
      "triggered",
      "acknowledged",
      "dispatched",
      "on_scene",
      "resolved",
      "cancelled",
    ]);
  });

  it("sends only the picked statuses and severities", () => {
    expect(toAlertQuery({ statuses: ["triggered"], severities: ["critical", "high"], showClosed: false })).toEqual({
      status: ["triggered"],
      severity: ["critical", "high"],
    });
  });

  it("ignores a picked closed status while closed alerts are hidden", () => {
    expect(toAlertQuery({ statuses: ["resolved"], severities: [], showClosed: false }).status).toEqual([
      "triggered",
      "acknowledged",
      "dispatched",
      "on_scene",
    ]);
  });
});

describe("countByStatus", () => {
  it("counts every status, zero for the absent ones", () => {
    const counts = countByStatus([
      makeAlert({ status: "triggered" }),
      makeAlert({ status: "triggered" }),
      makeAlert({ status: "on_scene" }),
    ]);
    expect(counts).toEqual({ triggered: 2, acknowledged: 0, dispatched: 0, on_scene: 1, resolved: 0, cancelled: 0 });
  });
});

describe("newArrivals", () => {
  it("announces nothing on the first load", () => {
    expect(newArrivals(null, [makeAlert({ id: "a" })])).toEqual([]);
  });

  it("reports triggered alerts that were not seen before", () => {
    const fresh = makeAlert({ id: "new", status: "triggered" });
    const seenBefore = makeAlert({ id: "old", status: "triggered" });
    const acknowledged = makeAlert({ id: "moved-in", status: "acknowledged" });
    expect(newArrivals(new Set(["old"]), [fresh, seenBefore, acknowledged])).toEqual([fresh]);
  });
});
