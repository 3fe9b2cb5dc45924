"use client";

import { Check, Copy, TriangleAlert } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "./format";

/**
 * A one-time invitation token. The server keeps only its hash, so this is the only time anyone sees it: the admin
 * copies it and hands it to the person, who accepts the invitation with it and sets their password.
 */
export function InvitationToken({
  token,
  email,
  expiresAt,
}: {
  token: string;
  email: string;
  expiresAt: string | null;
}) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "manual" | null>(null);

  useEffect(() => {
    field.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      // No clipboard access (an insecure origin, or permission refused): leave the token selected for Ctrl+C.
      field.current?.select();
      setCopied("manual");
    }
  };

  return (
    <div className="flex flex-col gap-sm rounded-md border border-input bg-surface p-md">
      <p id={`${id}-once`} className="flex items-start gap-sm text-sm font-medium text-foreground">
        <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-status-acknowledged-fg" />
        <span>
          Invitation token for {email}. It is shown only once: copy it now and hand it to them over a trusted channel.
          {expiresAt ? ` It expires ${formatDateTime(expiresAt)}.` : null}
        </span>
      </p>
      <label htmlFor={`${id}-token`} className="text-sm font-medium text-foreground">
        Invitation token
      </label>
      <div className="flex flex-col gap-sm sm:flex-row">
        <input
          ref={field}
          id={`${id}-token`}
          readOnly
          value={token}
          aria-describedby={`${id}-once`}
          onFocus={(event) => event.currentTarget.select()}
          className="h-10 w-full min-w-0 rounded-md border border-input bg-background px-md font-mono text-sm text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        />
        <Button variant="outline" onClick={copy} className="shrink-0">
          {copied === "yes" ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
          {copied === "yes" ? "Copied" : "Copy token"}
        </Button>
      </div>
      <p role="status" className="min-h-5 text-xs text-muted-foreground">
        {copied === "yes" ? "Copied to the clipboard." : null}
        {copied === "manual"
          ? "The browser refused clipboard access; the token is selected, press Ctrl+C (⌘C) to copy it."
          : null}
      </p>
      <p className="text-xs text-muted-foreground">
        They accept it on the console&apos;s <strong>/invitation/</strong> page (linked from the sign-in page) with this
        token and a password of their own (at least 12 characters); they then sign in with their email.
      </p>
    </div>
  );
}
