"use client";

import { LoaderCircle } from "lucide-react";
import { useEffect, useId, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { cn } from "@/lib/cn";

/** How long the button must be held to send without the confirmation step. */
export const HOLD_MS = 1_500;
const TICK_MS = 50;
const RING_RADIUS = 47;
const RING_LENGTH = 2 * Math.PI * RING_RADIUS;

const isActivationKey = (key: string) => key === "Enter" || key === " ";

/**
 * The SOS button. Holding it (pointer, Enter or Space) for 1.5 s sends, with a ring filling up meanwhile; a short
 * press, a click from a screen reader or a switch device opens a confirmation instead. Either way one accidental
 * tap never sends.
 */
export function SosButton({
  onActivate,
  busy,
  busyLabel,
}: {
  onActivate: () => void;
  /** An SOS is being located or sent: presses are ignored and `busyLabel` shows instead. */
  busy: boolean;
  busyLabel: string;
}) {
  const id = useId();
  const [progress, setProgress] = useState(0);
  const [holding, setHolding] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const hold = useRef<{ timer: ReturnType<typeof setTimeout>; ticker: ReturnType<typeof setInterval> } | null>(null);
  const keyHeld = useRef(false);
  // When a hold completed or a key was handled: the click a browser fires right after is not a new press.
  const handledAt = useRef(0);
  const activate = useRef(onActivate);
  activate.current = onActivate;

  const stop = () => {
    if (hold.current) {
      clearTimeout(hold.current.timer);
      clearInterval(hold.current.ticker);
      hold.current = null;
    }
    setHolding(false);
    setProgress(0);
  };

  const start = () => {
    if (busy || hold.current) return;
    const startedAt = Date.now();
    setHolding(true);
    hold.current = {
      ticker: setInterval(() => setProgress(Math.min(1, (Date.now() - startedAt) / HOLD_MS)), TICK_MS),
      timer: setTimeout(() => {
        stop();
        handledAt.current = Date.now();
        activate.current();
      }, HOLD_MS),
    };
  };

  useEffect(() => () => {
    if (hold.current) {
      clearTimeout(hold.current.timer);
      clearInterval(hold.current.ticker);
    }
  }, []);

  const onPointerDown = (event: PointerEvent<HTMLButtonElement>) => {
    // Only the primary button (or a touch / pen contact) starts a hold; a right click does not.
    if (!(event.button > 0)) start();
  };

  const onClick = () => {
    if (busy || Date.now() - handledAt.current < 1_000) return;
    setConfirming(true);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (!isActivationKey(event.key)) return;
    event.preventDefault();
    if (event.repeat || keyHeld.current) return;
    keyHeld.current = true;
    start();
  };

  const onKeyUp = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (!isActivationKey(event.key)) return;
    event.preventDefault();
    if (!keyHeld.current) return;
    keyHeld.current = false;
    handledAt.current = Date.now();
    const released = hold.current !== null;
    stop();
    if (released && !busy) setConfirming(true);
  };

  return (
    <div className="flex flex-col items-center gap-md">
      <div className="relative size-52 sm:size-60">
        <svg aria-hidden="true" viewBox="0 0 100 100" className="pointer-events-none absolute inset-0 -rotate-90">
          <circle cx="50" cy="50" r={RING_RADIUS} fill="none" strokeWidth="4" className="stroke-muted" />
          <circle
            cx="50"
            cy="50"
            r={RING_RADIUS}
            fill="none"
            strokeWidth="4"
            strokeLinecap="round"
            strokeDasharray={RING_LENGTH}
            strokeDashoffset={RING_LENGTH * (1 - progress)}
            className="stroke-foreground"
            data-testid="sos-progress"
            data-progress={progress.toFixed(2)}
          />
        </svg>
        <button
          type="button"
          aria-describedby={`${id}-how`}
          aria-disabled={busy || undefined}
          onPointerDown={onPointerDown}
          onPointerUp={stop}
          onPointerLeave={stop}
          onPointerCancel={stop}
          onContextMenu={(event) => event.preventDefault()}
          onClick={onClick}
          onKeyDown={onKeyDown}
          onKeyUp={onKeyUp}
          onBlur={() => {
            keyHeld.current = false;
            stop();
          }}
          className={cn(
            "absolute inset-3 flex touch-none select-none flex-col items-center justify-center gap-xs rounded-full bg-danger text-danger-foreground shadow-lg [-webkit-touch-callout:none]",
            "focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-ring focus-visible:ring-offset-4 focus-visible:ring-offset-background",
            holding && "scale-95",
            busy && "cursor-wait opacity-80",
            "transition-transform duration-fast ease-standard",
          )}
        >
          {busy ? (
            <>
              <LoaderCircle aria-hidden="true" className="size-10 animate-spin" />
              <span className="text-lg font-semibold">{busyLabel}</span>
            </>
          ) : (
            <>
              <span className="text-6xl font-black tracking-wider">SOS</span>
              <span className="text-sm font-medium">{holding ? "Keep holding…" : "Press and hold"}</span>
            </>
          )}
        </button>
      </div>
      <p id={`${id}-how`} className="max-w-[24rem] text-center text-sm text-muted-foreground">
        Hold the button for 1.5 seconds to send an SOS with your location to your organization&apos;s coordinators. A
        short press asks you to confirm first.
      </p>

      <Dialog open={confirming} onOpenChange={setConfirming}>
        <DialogContent
          title="Send an SOS now?"
          description="Your location goes to the coordinators of your organization, who send help to you."
          onOpenAutoFocus={(event) => {
            // The safe choice has the focus, so a second stray Enter does not send.
            event.preventDefault();
            (event.currentTarget as HTMLElement).querySelector<HTMLButtonElement>("[data-safe-choice]")?.focus();
          }}
        >
          <div className="flex flex-col gap-sm sm:flex-row sm:justify-end">
            <DialogClose asChild>
              <Button variant="outline" size="lg" data-safe-choice="">
                No, go back
              </Button>
            </DialogClose>
            <Button
              variant="danger"
              size="lg"
              onClick={() => {
                setConfirming(false);
                activate.current();
              }}
            >
              Yes, send SOS
            </Button>
          </div>
        </DialogContent>
      </Dialog>
    </div>
  );
}
