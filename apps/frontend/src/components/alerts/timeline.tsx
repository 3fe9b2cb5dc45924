"use client";

import type { TimelineEntryRead } from "@sos/contracts";
import {
  BellRing,
  Bell,
  CircleCheck,
  FolderKanban,
  type LucideIcon,
  MessageSquare,
  MoveRight,
  Dot,
  Users,
} from "lucide-react";
import Link from "next/link";
import { cn } from "@/lib/cn";
import { formatAge, formatDateTime } from "./format";
import { describeEntry, type EntryTone, type TimelineContext } from "./timeline-model";
import { useNow } from "./use-now";

const TONE_ICON: Record<EntryTone, LucideIcon> = {
  raised: Bell,
  progress: MoveRight,
  closed: CircleCheck,
  people: Users,
  message: MessageSquare,
  incident: FolderKanban,
  escalation: BellRing,
  other: Dot,
};

const TONE_CLASS: Record<EntryTone, string> = {
  raised: "bg-status-triggered-bg text-status-triggered-fg",
  progress: "bg-status-dispatched-bg text-status-dispatched-fg",
  closed: "bg-status-resolved-bg text-status-resolved-fg",
  people: "bg-status-on-scene-bg text-status-on-scene-fg",
  message: "bg-muted text-foreground",
  incident: "bg-status-acknowledged-bg text-status-acknowledged-fg",
  escalation: "bg-status-triggered-bg text-status-triggered-fg",
  other: "bg-muted text-muted-foreground",
};

/** A chronological log: what happened, who did it, when. */
export function Timeline({
  entries,
  context,
  alertLink,
  truncated = false,
}: {
  entries: readonly TimelineEntryRead[];
  context: TimelineContext;
  /** On an incident's timeline, names the alert an entry belongs to and links to it. */
  alertLink?: (alertId: string) => { href: string; label: string } | undefined;
  truncated?: boolean;
}) {
  const now = useNow();
  if (entries.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">Nothing has happened yet. Changes appear here as they are made.</p>
    );
  }
  return (
    <div className="flex flex-col gap-sm">
      <ol className="flex flex-col">
        {entries.map((entry, index) => {
          const described = describeEntry(entry, context);
          const Icon = TONE_ICON[described.tone];
          const link = entry.alert_id && alertLink ? alertLink(entry.alert_id) : undefined;
          const last = index === entries.length - 1;
          return (
            <li key={entry.id} className="relative flex gap-md pb-md">
              {last ? null : <span aria-hidden="true" className="absolute left-3.5 top-8 bottom-0 w-px bg-border" />}
              <span
                aria-hidden="true"
                className={cn(
                  "flex size-7 shrink-0 items-center justify-center rounded-full",
                  TONE_CLASS[described.tone],
                )}
              >
                <Icon className="size-3.5" />
              </span>
              <div className="min-w-0 flex-1 text-sm">
                <p className="font-medium text-foreground">{described.title}</p>
                {described.detail ? (
                  <p className="whitespace-pre-line break-words text-foreground">{described.detail}</p>
                ) : null}
                <p className="text-xs text-muted-foreground">
                  {context.nameOf(entry.actor_id)} ·{" "}
                  <time dateTime={entry.occurred_at} title={formatDateTime(entry.occurred_at)}>
                    {formatDateTime(entry.occurred_at)} ({formatAge(entry.occurred_at, now)})
                  </time>
                  {link ? (
                    <>
                      {" · "}
                      <Link href={link.href} className="text-primary underline">
                        {link.label}
                      </Link>
                    </>
                  ) : null}
                </p>
              </div>
            </li>
          );
        })}
      </ol>
      {truncated ? (
        <p className="text-xs text-muted-foreground">
          Only the earliest {entries.length} entries are shown; later ones are on the server.
        </p>
      ) : null}
    </div>
  );
}
