"use client";

import { getOrganization, updateOrganization, type OrganizationRead, type OrganizationUpdate } from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callWithFieldErrors } from "@/components/admin/field-errors";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

export function useOrganization() {
  return useLiveQuery({
    topic: "directory",
    queryKey: keys.organization,
    queryFn: ({ signal }) => call(getOrganization({ client: api, signal })),
  });
}

/** Saves the changed settings of the organization at the version they were edited from. */
export function useUpdateOrganization() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ version, changes }: { version: number; changes: OrganizationUpdate }) =>
      callWithFieldErrors(updateOrganization({ client: api, headers: ifMatch(version), body: changes })),
    onSuccess: (organization) => client.setQueryData<OrganizationRead>(keys.organization, organization),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.organization }),
  });
}
