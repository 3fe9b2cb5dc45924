"use client";

import {
  checkNotificationProvider,
  createNotificationProvider,
  deleteNotificationProvider,
  listNotificationProviders,
  listProviderKinds,
  updateNotificationProvider,
  type ProviderCreate,
  type ProviderRead,
  type ProviderUpdate,
} from "@sos/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { callWithFieldErrors, fieldErrorsOf } from "@/components/admin/field-errors";
import { errorsByPointer, type FormErrors } from "@/components/admin/providers/schema-form-model";
import { api } from "@/lib/api/client";
import { call } from "@/lib/api/call";
import { keys } from "./keys";

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

const formErrorsByProblem = new WeakMap<object, FormErrors>();

/** A refused save's messages by input, down to one setting or credential ("settings.host"). */
export function providerFormErrors(error: unknown): FormErrors {
  const nested = typeof error === "object" && error !== null ? formErrorsByProblem.get(error) : undefined;
  return nested ?? fieldErrorsOf(error);
}

async function callKeepingPointers<T>(request: Promise<SdkResult<T>>): Promise<T> {
  let body: unknown;
  try {
    return await callWithFieldErrors(
      request.then((result) => {
        body = result.error;
        return result;
      }),
    );
  } catch (error) {
    if (typeof error === "object" && error !== null)
      formErrorsByProblem.set(error, { ...fieldErrorsOf(error), ...errorsByPointer(body) });
    throw error;
  }
}

/** Health changes with every delivery: the list is refreshed often while it is on screen. */
const HEALTH_REFRESH_MS = 15_000;

/** The organization's provider accounts and the built-in providers, each with its health. */
export function useProviders() {
  return useQuery({
    queryKey: keys.providers.list,
    queryFn: ({ signal }) => call(listNotificationProviders({ client: api, signal })),
    refetchInterval: HEALTH_REFRESH_MS,
  });
}

/** The provider kinds and the JSON Schemas of their settings and credentials; they change only with a release. */
export function useProviderKinds() {
  return useQuery({
    queryKey: keys.providers.kinds,
    queryFn: ({ signal }) => call(listProviderKinds({ client: api, signal })),
    staleTime: Infinity,
  });
}

function useProvidersCache() {
  const client = useQueryClient();
  return {
    put: (provider: ProviderRead) =>
      client.setQueryData<ProviderRead[]>(keys.providers.list, (providers) =>
        providers?.some((each) => each.id === provider.id)
          ? providers.map((each) => (each.id === provider.id ? provider : each))
          : [...(providers ?? []), provider],
      ),
    drop: (id: string) =>
      client.setQueryData<ProviderRead[]>(keys.providers.list, (providers) =>
        providers?.filter((each) => each.id !== id),
      ),
    refresh: () => void client.invalidateQueries({ queryKey: keys.providers.list }),
  };
}

export function useCreateProvider() {
  const cache = useProvidersCache();
  return useMutation({
    mutationFn: (body: ProviderCreate) => callKeepingPointers(createNotificationProvider({ client: api, body })),
    onSuccess: cache.put,
    onSettled: cache.refresh,
  });
}

/** Changes a provider; its stored credentials are replaced only when `secrets` is given. */
export function useUpdateProvider() {
  const cache = useProvidersCache();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: ProviderUpdate }) =>
      callKeepingPointers(updateNotificationProvider({ client: api, path: { provider_id: id }, body: changes })),
    onSuccess: cache.put,
    onSettled: cache.refresh,
  });
}

export function useDeleteProvider() {
  const cache = useProvidersCache();
  return useMutation({
    mutationFn: (id: string) => call(deleteNotificationProvider({ client: api, path: { provider_id: id } })),
    onSuccess: (_nothing, id) => cache.drop(id),
    onSettled: cache.refresh,
  });
}

/** Asks the provider whether it is reachable and the credentials work; nothing is sent to anyone. */
export function useCheckProvider() {
  const cache = useProvidersCache();
  return useMutation({
    mutationFn: (id: string) => call(checkNotificationProvider({ client: api, path: { provider_id: id } })),
    onSettled: cache.refresh,
  });
}
