"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { LoadingRows } from "@/components/ui/states";
import { useSessionStore } from "@/lib/auth/session-store";
import { homeFor } from "@/lib/roles";
import { useHydrated } from "@/lib/use-online";

export default function Home() {
  const hydrated = useHydrated();
  const session = useSessionStore((state) => state.session);
  const router = useRouter();
  useEffect(() => {
    if (hydrated) router.replace(session ? homeFor(session.role) : "/login/");
  }, [hydrated, session, router]);
  return (
    <main className="mx-auto max-w-[28rem] p-lg">
      <LoadingRows rows={2} label="Opening the console" />
    </main>
  );
}
