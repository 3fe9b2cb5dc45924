"use client";

import { zMessageCreate } from "@sos/contracts";
import { onlineManager } from "@tanstack/react-query";
import { Send } from "lucide-react";
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { cn } from "@/lib/cn";
import { usePostMessage, type Thread } from "@/lib/queries/messages";
import { notifyError } from "@/lib/toast";

/** The longest message the API accepts. */
export const MESSAGE_MAX_LENGTH = zMessageCreate.shape.body.maxLength ?? 4000;
const COUNTER_FROM = Math.floor(MESSAGE_MAX_LENGTH * 0.8);

/**
 * Writes a message. Enter sends, Shift+Enter starts a new line. The text leaves the box when it is sent and comes
 * back if the server refuses it, so nothing typed is lost.
 */
export function MessageComposer({ thread, onSent }: { thread: Thread; onSent?: () => void }) {
  const id = useId();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const post = usePostMessage(thread);

  const send = () => {
    const body = text.trim();
    if (!body) {
      setError("Write a message before sending.");
      return;
    }
    if (body.length > MESSAGE_MAX_LENGTH) {
      setError(`A message can be at most ${MESSAGE_MAX_LENGTH} characters.`);
      return;
    }
    if (!onlineManager.isOnline()) {
      setError("You are offline. Your message stays here; send it when the connection is back.");
      return;
    }
    setError(null);
    setText("");
    onSent?.();
    post.mutate(body, {
      onError: (failure) => {
        // Put the text back; if something new was typed meanwhile, keep both.
        setText((current) => (current.trim() ? `${body}\n${current}` : body));
        notifyError("Your message was not sent", failure);
      },
    });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  };

  const describedBy = [`${id}-hint`, text.length >= COUNTER_FROM ? `${id}-count` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-xs">
      <Label htmlFor={`${id}-body`}>Write a message</Label>
      <div className="flex items-end gap-sm">
        <Textarea
          id={`${id}-body`}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            if (error) setError(null);
          }}
          onKeyDown={onKeyDown}
          maxLength={MESSAGE_MAX_LENGTH}
          rows={2}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          className="min-h-12 flex-1 resize-y"
        />
        <Button type="submit" className="shrink-0">
          <Send aria-hidden="true" /> Send
        </Button>
      </div>
      <div className="flex flex-wrap justify-between gap-x-md text-xs text-muted-foreground">
        <p id={`${id}-hint`}>Enter sends. Shift+Enter starts a new line.</p>
        {text.length >= COUNTER_FROM ? (
          <p id={`${id}-count`} className={cn(text.length >= MESSAGE_MAX_LENGTH && "font-medium text-danger")}>
            {text.length} of {MESSAGE_MAX_LENGTH} characters
          </p>
        ) : null}
      </div>
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-xs font-medium text-danger">
          {error}
        </p>
      ) : null}
    </form>
  );
}
