import { act, fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HOLD_MS, SosButton } from "./sos-button";

const sosButton = () => screen.getByRole("button", { name: /SOS/ });

afterEach(() => {
  vi.useRealTimers();
});

describe("SosButton", () => {
  it("explains what pressing it does", () => {
    render(<SosButton onActivate={() => undefined} busy={false} busyLabel="Sending…" />);
    expect(sosButton()).toHaveAccessibleDescription(
      /Hold the button for 1.5 seconds to send an SOS with your location/,
    );
  });

  it("does not send on a single click but asks for confirmation, with the safe choice focused", async () => {
    const onActivate = vi.fn();
    const user = userEvent.setup();
    render(<SosButton onActivate={onActivate} busy={false} busyLabel="Sending…" />);

    await user.click(sosButton());

    expect(onActivate).not.toHaveBeenCalled();
    expect(screen.getByRole("dialog", { name: "Send an SOS now?" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "No, go back" })).toHaveFocus();
  });

  it("sends once the confirmation is accepted", async () => {
    const onActivate = vi.fn();
    const user = userEvent.setup();
    render(<SosButton onActivate={onActivate} busy={false} busyLabel="Sending…" />);

    await user.click(sosButton());
    await user.click(screen.getByRole("button", { name: "Yes, send SOS" }));

    expect(onActivate).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("does not send when the confirmation is declined, nor on a stray second Enter", async () => {
    const onActivate = vi.fn();
    const user = userEvent.setup();
    render(<SosButton onActivate={onActivate} busy={false} busyLabel="Sending…" />);

    sosButton().focus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await user.keyboard("{Enter}");

    expect(onActivate).not.toHaveBeenCalled();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("sends after being held for 1.5 s, showing the progress meanwhile", () => {
    vi.useFakeTimers();
    const onActivate = vi.fn();
    render(<SosButton onActivate={onActivate} busy={false} busyLabel="Sending…" />);

    fireEvent.pointerDown(sosButton(), { button: 0 });
    act(() => vi.advanceTimersByTime(HOLD_MS / 2));
    expect(screen.getByTestId("sos-progress").dataset.progress).toBe("0.50");
    expect(sosButton()).toHaveTextContent("Keep holding…");
    expect(onActivate).not.toHaveBeenCalled();

    act(() => vi.advanceTimersByTime(HOLD_MS / 2));
    expect(onActivate).toHaveBeenCalledTimes(1);

    fireEvent.pointerUp(sosButton());
    fireEvent.click(sosButton());
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("does not send when released early, and asks for confirmation instead", () => {
    vi.useFakeTimers();
    const onActivate = vi.fn();
    render(<SosButton onActivate={onActivate} busy={false} busyLabel="Sending…" />);

    fireEvent.pointerDown(sosButton(), { button: 0 });
    act(() => vi.advanceTimersByTime(HOLD_MS - 200));
    fireEvent.pointerUp(sosButton());
    fireEvent.click(sosButton());
    act(() => vi.advanceTimersByTime(HOLD_MS));

    expect(onActivate).not.toHaveBeenCalled();
    expect(screen.getByRole("dialog", { name: "Send an SOS now?" })).toBeInTheDocument();
  });

  it("can be held with the keyboard", () => {
    vi.useFakeTimers();
    const onActivate = vi.fn();
    render(<SosButton onActivate={onActivate} busy={false} busyLabel="Sending…" />);

    fireEvent.keyDown(sosButton(), { key: " " });
    act(() => vi.advanceTimersByTime(HOLD_MS));
    fireEvent.keyUp(sosButton(), { key: " " });

    expect(onActivate).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("ignores presses while an SOS is on its way", async () => {
    const onActivate = vi.fn();
    const user = userEvent.setup();
    render(<SosButton onActivate={onActivate} busy busyLabel="Sending…" />);

    await user.click(screen.getByRole("button", { name: /Sending/ }));

    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(onActivate).not.toHaveBeenCalled();
  });
});
