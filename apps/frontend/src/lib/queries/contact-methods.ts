"use client";

import {
  addMyContactMethod,
  getWebPushKey,
  listMyContactMethods,
  relabelMyContactMethod,
  removeMyContactMethod,
  resendMyContactMethodCode,
  testMyContactMethod,
  verifyMyContactMethod,
  type AddMyContactMethodData,
  type ContactMethodRead,
} from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callWithFieldErrors } from "@/components/admin/field-errors";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

export type NewContactMethod = AddMyContactMethodData["body"];

/** The signed-in person's contact methods, in the order they were added. */
export function useContactMethods() {
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.contactMethods,
    queryFn: ({ signal }) => call(listMyContactMethods({ client: api, signal })),
  });
}

function useContactMethodsCache() {
  const client = useQueryClient();
  return {
    put: (method: ContactMethodRead) =>
      client.setQueryData<ContactMethodRead[]>(keys.contactMethods, (methods) =>
        methods?.some((each) => each.id === method.id)
          ? methods.map((each) => (each.id === method.id ? method : each))
          : [...(methods ?? []), method],
      ),
    drop: (id: string) =>
      client.setQueryData<ContactMethodRead[]>(keys.contactMethods, (methods) =>
        methods?.filter((each) => each.id !== id),
      ),
    // Rules name methods by label and drop removed ones, so they follow every change of a method.
    refresh: () => {
      void client.invalidateQueries({ queryKey: keys.contactMethods });
      void client.invalidateQueries({ queryKey: keys.notificationRules });
    },
  };
}

/** Adds a method; every kind but push gets a verification code and is used only once verified. */
export function useAddContactMethod() {
  const cache = useContactMethodsCache();
  return useMutation({
    mutationFn: (body: NewContactMethod) => callWithFieldErrors(addMyContactMethod({ client: api, body })),
    onSuccess: cache.put,
    onSettled: cache.refresh,
  });
}

export function useRelabelContactMethod() {
  const cache = useContactMethodsCache();
  return useMutation({
    mutationFn: ({ id, label }: { id: string; label: string }) =>
      callWithFieldErrors(relabelMyContactMethod({ client: api, path: { contact_method_id: id }, body: { label } })),
    onSuccess: cache.put,
    onSettled: cache.refresh,
  });
}

export function useRemoveContactMethod() {
  const cache = useContactMethodsCache();
  return useMutation({
    mutationFn: (id: string) => call(removeMyContactMethod({ client: api, path: { contact_method_id: id } })),
    onSuccess: (_nothing, id) => cache.drop(id),
    onSettled: cache.refresh,
  });
}

export function useVerifyContactMethod() {
  const cache = useContactMethodsCache();
  return useMutation({
    mutationFn: ({ id, code }: { id: string; code: string }) =>
      callWithFieldErrors(verifyMyContactMethod({ client: api, path: { contact_method_id: id }, body: { code } })),
    onSuccess: cache.put,
    onSettled: cache.refresh,
  });
}

export function useResendCode() {
  return useMutation({
    mutationFn: (id: string) => call(resendMyContactMethodCode({ client: api, path: { contact_method_id: id } })),
  });
}

/** Queues a test message to a verified method; its delivery then shows like any other notification's. */
export function useTestContactMethod() {
  return useMutation({
    mutationFn: (id: string) => call(testMyContactMethod({ client: api, path: { contact_method_id: id } })),
  });
}

/** The install's VAPID public key (the applicationServerKey a browser subscribes with), for `fetchQuery`. */
export const webPushKeyQuery = {
  queryKey: keys.webPushKey,
  queryFn: ({ signal }: { signal: AbortSignal }) => call(getWebPushKey({ client: api, signal })),
  staleTime: Infinity,
};
