import { useQueryClient } from "@tanstack/react-query";
import { act, render, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { signInAs } from "@/components/messages/test-kit";
import { useSessionStore } from "@/lib/auth/session-store";
import { Providers } from "./providers";

const KEY = ["alerts", "list", { status: ["triggered"] }];
let client: ReturnType<typeof useQueryClient> | undefined;

function Probe() {
  client = useQueryClient();
  return null;
}

describe("Providers", () => {
  it("drops the cached data of the person who signed out before the next one reads anything", async () => {
    signInAs("coordinator", "01a21464-0000-7000-8000-00000000c001");
    render(
      <Providers>
        <Probe />
      </Providers>,
    );
    await waitFor(() => expect(client).toBeDefined());
    act(() => client?.setQueryData(KEY, { items: ["the coordinator's whole inbox"] }));
    act(() => useSessionStore.getState().endSession("signed-out"));
    signInAs("responder", "01a21464-0000-7000-8000-00000000r001");
    await waitFor(() => expect(client?.getQueryData(KEY)).toBeUndefined());
  });
});
