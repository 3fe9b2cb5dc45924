"use client";

import type { MessageRead } from "@sos/contracts";
import { ArrowDown, LoaderCircle } from "lucide-react";
import { useCallback, useId, useLayoutEffect, useRef, useState } from "react";
import { Freshness } from "@/components/shell/freshness";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorState, LoadingRows } from "@/components/ui/states";
import { cn } from "@/lib/cn";
import { isPending, useMessages, type Thread } from "@/lib/queries/messages";
import { MessageComposer } from "./message-composer";
import { TimeAgo } from "./time-ago";
import { useAuthorLabels, type AuthorLabel } from "./use-author-labels";

/** How close to the bottom (px) still counts as "reading the newest messages". */
const NEAR_BOTTOM_PX = 48;

function MessageItem({ message, author }: { message: MessageRead; author: AuthorLabel }) {
  const pending = isPending(message);
  return (
    <li
      className={cn(
        "flex flex-col gap-2xs rounded-md border-l-4 bg-surface px-md py-sm",
        author.own ? "border-primary" : "border-border",
      )}
      aria-busy={pending || undefined}
    >
      <div className="flex flex-wrap items-baseline gap-x-sm gap-y-2xs text-xs">
        <span className="text-sm font-semibold text-foreground">{author.name}</span>
        {author.role ? <span className="text-muted-foreground">{author.role}</span> : null}
        {pending ? (
          <span className="inline-flex items-center gap-2xs font-medium text-muted-foreground">
            <LoaderCircle aria-hidden="true" className="size-3 animate-spin" /> Sending…
          </span>
        ) : (
          <TimeAgo iso={message.created_at} className="text-muted-foreground" />
        )}
      </div>
      <p className="whitespace-pre-wrap break-words text-sm text-foreground">{message.body}</p>
    </li>
  );
}

/**
 * The conversation on an alert or an incident: oldest first, newest at the bottom, with a composer. It follows new
 * messages while the reader is at the bottom and leaves the scroll position alone when they have scrolled up.
 */
export function MessageThread({ thread }: { thread: Thread }) {
  const headingId = useId();
  const messages = useMessages(thread);
  const authorOf = useAuthorLabels(thread);
  const logRef = useRef<HTMLDivElement>(null);
  const followRef = useRef(true);
  const [unseen, setUnseen] = useState(false);
  const items = messages.data?.items ?? [];
  const newestId = items.at(-1)?.id;

  const scrollToNewest = useCallback(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
    followRef.current = true;
    setUnseen(false);
  }, []);

  const onScroll = () => {
    const log = logRef.current;
    if (!log) return;
    followRef.current = log.scrollHeight - log.scrollTop - log.clientHeight <= NEAR_BOTTOM_PX;
    if (followRef.current) setUnseen(false);
  };

  // Another thread (another alert) starts at its newest message. Declared first: layout effects run in order.
  useLayoutEffect(() => {
    followRef.current = true;
    setUnseen(false);
  }, [thread.kind, thread.id]);

  useLayoutEffect(() => {
    if (!newestId) return;
    if (followRef.current) scrollToNewest();
    else setUnseen(true);
  }, [newestId, scrollToNewest]);

  let body;
  if (messages.isPending) body = <LoadingRows rows={2} label="Loading messages" />;
  else if (messages.isError && !messages.data)
    body = <ErrorState error={messages.error} onRetry={() => void messages.refetch()} />;
  else
    body = (
      <div className="relative">
        <div
          ref={logRef}
          role="log"
          aria-live="polite"
          aria-labelledby={headingId}
          tabIndex={0}
          onScroll={onScroll}
          className="max-h-96 min-h-24 overflow-y-auto rounded-md border border-border bg-background p-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          {items.length === 0 ? (
            <EmptyState title="No messages yet">
              Write below to reach everyone working on this {thread.kind}.
            </EmptyState>
          ) : (
            <ol className="flex flex-col gap-sm">
              {items.map((message) => (
                <MessageItem key={message.id} message={message} author={authorOf(message.author_id)} />
              ))}
            </ol>
          )}
        </div>
        {unseen ? (
          <Button
            size="sm"
            onClick={scrollToNewest}
            className="absolute bottom-sm left-1/2 -translate-x-1/2 shadow-md"
          >
            <ArrowDown aria-hidden="true" /> New messages
          </Button>
        ) : null}
      </div>
    );

  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-sm">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <h2 id={headingId} className="text-base font-semibold text-foreground">
          Messages
        </h2>
        <Freshness updatedAt={messages.dataUpdatedAt} failing={messages.isError} />
      </div>
      {body}
      <MessageComposer thread={thread} onSent={() => (followRef.current = true)} />
    </section>
  );
}
