"use client";

import {
  getMyNotificationRules,
  getMyQuietHours,
  replaceMyNotificationRule,
  setMyQuietHours,
  type NotificationRules,
  type QuietHoursIn,
  type QuietHoursRead,
  type RuleStepIn,
  type Urgency,
} from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callWithFieldErrors } from "@/components/admin/field-errors";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

/** How a page reaches the signed-in person, per urgency. */
export function useNotificationRules() {
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.notificationRules,
    queryFn: ({ signal }) => call(getMyNotificationRules({ client: api, signal })),
  });
}

/** Replaces one urgency's steps; an empty list removes the rule (everything verified is then notified at once). */
export function useReplaceRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ urgency, steps }: { urgency: Urgency; steps: RuleStepIn[] }) =>
      callWithFieldErrors(replaceMyNotificationRule({ client: api, path: { urgency }, body: { steps } })),
    onSuccess: (saved) => client.setQueryData<NotificationRules>(keys.notificationRules, saved),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.notificationRules }),
  });
}

export function useQuietHours() {
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.quietHours,
    queryFn: ({ signal }) => call(getMyQuietHours({ client: api, signal })),
  });
}

export function useSetQuietHours() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: QuietHoursIn) => callWithFieldErrors(setMyQuietHours({ client: api, body })),
    onSuccess: (saved) => client.setQueryData<QuietHoursRead>(keys.quietHours, saved),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.quietHours }),
  });
}
