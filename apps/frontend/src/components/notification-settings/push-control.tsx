"use client";

import { BellRing } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useQueryClient } from "@tanstack/react-query";
import { useAddContactMethod, webPushKeyQuery } from "@/lib/queries/contact-methods";
import { browserName, PushRefused, pushSupport, subscribeThisBrowser, type PushSupport } from "@/lib/push/subscribe";
import { notify } from "@/lib/toast";

const SUPPORT_TEXT: Record<Exclude<PushSupport, "supported">, string> = {
  unsupported:
    "This browser cannot receive push notifications. Use a current Chrome, Edge, Firefox or Safari, or add your phone number or email instead.",
  insecure: "Push notifications need the console to be opened over HTTPS.",
  denied:
    "Notifications are blocked for this site. Allow them in the browser's site settings (the icon left of the address), then reload this page.",
};

type Outcome = { tone: "success" | "error"; text: string } | null;

/** Registers this browser for Web Push with the install's VAPID key, and adds it as a contact method. */
export function PushControl() {
  const client = useQueryClient();
  const add = useAddContactMethod();
  const [support, setSupport] = useState<PushSupport | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);

  useEffect(() => setSupport(pushSupport()), []);

  const enable = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      const { public_key: publicKey } = await client.fetchQuery(webPushKeyQuery);
      const subscription = await subscribeThisBrowser(publicKey);
      const label = browserName(navigator.userAgent);
      await add.mutateAsync({
        channel: "web_push",
        label,
        subscription,
        user_agent: navigator.userAgent.slice(0, 400),
      });
      setOutcome({ tone: "success", text: `Push is on for ${label}. Send it a test below.` });
      notify({ tone: "success", title: "Push notifications are on for this browser" });
    } catch (error) {
      setSupport(pushSupport());
      if (error instanceof ApiProblem && error.status === 409)
        setOutcome({ tone: "success", text: "This browser is already registered for push notifications." });
      else
        setOutcome({
          tone: "error",
          text:
            error instanceof PushRefused
              ? error.message
              : error instanceof ApiProblem
                ? describeProblem(error)
                : "Push could not be turned on. Try again.",
        });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="flex flex-col gap-sm rounded-md border border-border p-md">
      <h3 className="text-sm font-semibold text-foreground">Push notifications on this browser</h3>
      <p className="text-sm text-muted-foreground">
        Pages appear on this computer or phone even when the console is closed, with an Acknowledge button.
      </p>
      {support && support !== "supported" ? (
        <p role="status" className="text-sm font-medium text-foreground">
          {SUPPORT_TEXT[support]}
        </p>
      ) : null}
      <div>
        <Button variant="outline" onClick={() => void enable()} disabled={busy || support !== "supported"}>
          <BellRing aria-hidden="true" /> {busy ? "Turning on…" : "Enable push on this browser"}
        </Button>
      </div>
      {outcome ? (
        <p
          role={outcome.tone === "error" ? "alert" : "status"}
          className={
            outcome.tone === "error" ? "text-sm font-medium text-danger" : "text-sm font-medium text-foreground"
          }
        >
          {outcome.text}
        </p>
      ) : null}
    </div>
  );
}
