"use client";

import { listMyNotifications, markMyNotificationRead, type NotificationRead } from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

export const RECENT_NOTIFICATIONS = 20;

type Page = { items: NotificationRead[] };

/** The signed-in person's newest in-app notifications (escalations, assignments), newest first. */
export function useMyNotifications() {
  return useLiveQuery({
    topic: "notifications",
    queryKey: keys.notifications.recent,
    queryFn: ({ signal }) => call(listMyNotifications({ client: api, signal, query: { limit: RECENT_NOTIFICATIONS } })),
  });
}

export function unreadCount(page: Page | undefined): number {
  return page?.items.filter((item) => item.read_at === null).length ?? 0;
}

/** Marks one notification read at once; the server's answer (or a refetch after a failure) settles it. */
export function useMarkNotificationRead() {
  const client = useQueryClient();
  return useMutation<NotificationRead, Error, string, { previous: Page | undefined }>({
    mutationFn: (id) => call(markMyNotificationRead({ client: api, path: { notification_id: id } })),
    onMutate: async (id) => {
      await client.cancelQueries({ queryKey: keys.notifications.recent });
      const previous = client.getQueryData<Page>(keys.notifications.recent);
      if (previous) {
        const now = new Date().toISOString();
        client.setQueryData<Page>(keys.notifications.recent, {
          ...previous,
          items: previous.items.map((item) => (item.id === id ? { ...item, read_at: now, status: "read" } : item)),
        });
      }
      return { previous };
    },
    onError: (_error, _id, context) => {
      if (context?.previous) client.setQueryData(keys.notifications.recent, context.previous);
    },
    onSettled: () => void client.invalidateQueries({ queryKey: keys.notifications.all }),
  });
}
