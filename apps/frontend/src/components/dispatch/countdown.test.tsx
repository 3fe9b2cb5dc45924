import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Countdown, countdownMilestone, formatCountdown, secondsLeft } from "./countdown";

describe("countdown arithmetic", () => {
  it("counts whole seconds up to the expiry and never below zero", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(secondsLeft("2026-11-25T10:01:00Z", now)).toBe(60);
    expect(secondsLeft("2026-11-25T10:00:00.400Z", now)).toBe(1);
    expect(secondsLeft("2026-11-25T09:59:00Z", now)).toBe(0);
  });

  it("reads like a clock", () => {
    expect(formatCountdown(65)).toBe("1:05");
    expect(formatCountdown(9)).toBe("0:09");
    expect(formatCountdown(3_720)).toBe("1:02:00");
  });

  it("speaks only at 30 s, 10 s and the end", () => {
    expect(countdownMilestone(45)).toBeNull();
    expect(countdownMilestone(30)).toBe("30 seconds left to answer.");
    expect(countdownMilestone(11)).toBe("30 seconds left to answer.");
    expect(countdownMilestone(10)).toBe("10 seconds left to answer.");
    expect(countdownMilestone(0)).toBe("The time to answer is up.");
  });
});

describe("Countdown", () => {
  const start = Date.parse("2026-11-25T10:00:00Z");

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    vi.setSystemTime(start);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("ticks every second, announcing only the milestones, and says when time is up", () => {
    render(<Countdown expiresAt="2026-11-25T10:00:35Z" />);
    const timer = screen.getByRole("timer");
    const spoken = () => document.querySelector("[aria-live='polite']")?.textContent;
    expect(timer).toHaveTextContent("0:35 left");
    expect(spoken()).toBe("");

    act(() => vi.advanceTimersByTime(1_000));
    expect(timer).toHaveTextContent("0:34 left");
    expect(spoken()).toBe("");

    act(() => vi.advanceTimersByTime(5_000));
    expect(timer).toHaveTextContent("0:29 left");
    expect(spoken()).toBe("30 seconds left to answer.");

    act(() => vi.advanceTimersByTime(20_000));
    expect(timer).toHaveTextContent("0:09 left (hurry)");
    expect(spoken()).toBe("10 seconds left to answer.");

    act(() => vi.advanceTimersByTime(10_000));
    expect(timer).toHaveTextContent("Time is up");
    expect(spoken()).toBe("The time to answer is up.");
  });

  it("stays quiet where several countdowns share a screen", () => {
    render(<Countdown expiresAt="2026-11-25T10:00:05Z" announce={false} />);
    expect(screen.getByRole("timer")).toHaveTextContent("0:05 left (hurry)");
    expect(document.querySelector("[aria-live]")).toBeNull();
  });
});
