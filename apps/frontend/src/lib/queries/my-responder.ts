"use client";

import {
  getMyResponderProfile,
  recordMyLocation,
  setMyAvailability,
  type Availability,
  type LocationIn,
  type LocationRead,
  type ResponderRead,
} from "@sos/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api/client";
import { call, ifMatch } from "@/lib/api/call";
import { useLiveQuery } from "@/lib/live/use-live-query";
import { keys } from "./keys";

/** The signed-in responder's own profile. A 404 means no profile exists yet; setting availability creates it. */
export function useMyResponderProfile() {
  return useLiveQuery({
    topic: "responders",
    queryKey: keys.responders.me,
    queryFn: ({ signal }) => call(getMyResponderProfile({ client: api, signal })),
  });
}

/**
 * Goes available, busy or off duty. The choice shows at once and goes back if the server refuses it (412: the
 * profile changed elsewhere, e.g. a coordinator set it). The error reaches the caller.
 */
export function useSetMyAvailability() {
  const client = useQueryClient();
  return useMutation<ResponderRead, Error, Availability, { previous: ResponderRead | undefined }>({
    mutationFn: (availability) => {
      const current = client.getQueryData<ResponderRead>(keys.responders.me);
      return call(
        setMyAvailability({
          client: api,
          body: { availability },
          ...(current ? { headers: ifMatch(current.version) } : {}),
        }),
      );
    },
    onMutate: async (availability) => {
      await client.cancelQueries({ queryKey: keys.responders.me });
      const previous = client.getQueryData<ResponderRead>(keys.responders.me);
      if (previous) {
        client.setQueryData<ResponderRead>(keys.responders.me, {
          ...previous,
          availability,
          availability_changed_at: new Date().toISOString(),
        });
      }
      return { previous };
    },
    onError: (_error, _availability, context) => {
      if (context?.previous) client.setQueryData(keys.responders.me, context.previous);
    },
    onSuccess: (profile) => client.setQueryData(keys.responders.me, profile),
    // Not awaited: offline, the refetch waits for the network, and the outcome must not wait with it.
    onSettled: () => void client.invalidateQueries({ queryKey: keys.responders.all }),
  });
}

/** Posts a fix from this device; the profile's last location follows it without waiting for a refetch. */
export function useRecordMyLocation() {
  const client = useQueryClient();
  return useMutation<LocationRead, Error, LocationIn>({
    mutationFn: (fix) => call(recordMyLocation({ client: api, body: fix })),
    onSuccess: (location) =>
      client.setQueryData<ResponderRead>(keys.responders.me, (profile) => {
        const previous = profile?.last_location;
        const newer = !previous || Date.parse(previous.recorded_at) <= Date.parse(location.recorded_at);
        return profile && newer ? { ...profile, last_location: location } : profile;
      }),
  });
}
