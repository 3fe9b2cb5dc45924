"use client";

import {
  listAlertMessages,
  listIncidentMessages,
  postAlertMessage,
  postIncidentMessage,
  type MessageRead,
  type PageMessageRead,
} from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { useSessionStore } from "@/lib/auth/session-store";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

/** A conversation belongs to an alert or to an incident; both have the same shape. */
export type Thread = { kind: "alert"; id: string } | { kind: "incident"; id: string };

const threadKey = (thread: Thread) =>
  thread.kind === "alert" ? keys.alerts.messages(thread.id) : keys.incidents.messages(thread.id);

export function useMessages(thread: Thread) {
  return useLiveQuery({
    topic: "messages",
    queryKey: threadKey(thread),
    queryFn: ({ signal }) =>
      thread.kind === "alert"
        ? call(listAlertMessages({ client: api, path: { alert_id: thread.id }, query: { limit: 200 }, signal }))
        : call(listIncidentMessages({ client: api, path: { incident_id: thread.id }, query: { limit: 200 }, signal })),
  });
}

/** Posts a message; it shows at once as "sending" and disappears again if the server refuses it. */
export function usePostMessage(thread: Thread) {
  const client = useQueryClient();
  const authorId = useSessionStore((state) => state.session?.userId ?? null);
  return useMutation<MessageRead, Error, string, { previous: PageMessageRead | undefined }>({
    mutationFn: (body) =>
      thread.kind === "alert"
        ? call(postAlertMessage({ client: api, path: { alert_id: thread.id }, body: { body } }))
        : call(postIncidentMessage({ client: api, path: { incident_id: thread.id }, body: { body } })),
    onMutate: async (body) => {
      await client.cancelQueries({ queryKey: threadKey(thread) });
      const previous = client.getQueryData<PageMessageRead>(threadKey(thread));
      const pending: MessageRead = {
        id: `pending-${Date.now()}`,
        body,
        author_id: authorId,
        created_at: new Date().toISOString(),
        alert_id: thread.kind === "alert" ? thread.id : null,
        incident_id: thread.kind === "incident" ? thread.id : null,
      };
      client.setQueryData<PageMessageRead>(threadKey(thread), (page) => ({
        ...(page ?? {}),
        items: [...(page?.items ?? []), pending],
      }));
      return { previous };
    },
    onError: (_error, _body, context) => client.setQueryData(threadKey(thread), context?.previous),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: threadKey(thread) });
    },
  });
}

export const isPending = (message: MessageRead): boolean => message.id.startsWith("pending-");
