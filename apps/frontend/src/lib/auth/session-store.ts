import type { Role } from "@sos/contracts";
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";

export interface Session {
  accessToken: string;
  /** Epoch milliseconds after which the access token must not be sent. */
  accessExpiresAt: number;
  refreshToken: string;
  userId: string;
  organizationId: string;
  role: Role;
  email: string;
}

interface SessionState {
  session: Session | null;
  /** Why the last session ended, shown on the sign-in page ("expired", "signed-out"). */
  endedBecause: "expired" | "signed-out" | null;
  setSession: (session: Session) => void;
  endSession: (reason: "expired" | "signed-out") => void;
}

export const useSessionStore = create<SessionState>()(
  persist(
    (set) => ({
      session: null,
      endedBecause: null,
      setSession: (session) => set({ session, endedBecause: null }),
      endSession: (reason) => set({ session: null, endedBecause: reason }),
    }),
    {
      name: "sos.session",
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ session: state.session }),
    },
  ),
);
