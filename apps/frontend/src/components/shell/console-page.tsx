"use client";

import type { Role } from "@sos/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { LogOut, Siren } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { Suspense, useEffect, type ReactNode } from "react";
import { ConnectionIndicator } from "@/components/live/connection-indicator";
import { Button } from "@/components/ui/button";
import { LoadingRows } from "@/components/ui/states";
import { signOut } from "@/lib/auth/session";
import { useSessionStore } from "@/lib/auth/session-store";
import { cn } from "@/lib/cn";
import { homeFor, navFor, ROLE_LABEL } from "@/lib/roles";
import { useHydrated } from "@/lib/use-online";
import { NotificationsMenu } from "./notifications-menu";
import { OfflineBanner } from "./offline-banner";
import { ThemeToggle } from "./theme-toggle";

function Header({ role, email }: { role: Role; email: string }) {
  const pathname = usePathname();
  const router = useRouter();
  const queryClient = useQueryClient();
  const onSignOut = async () => {
    await signOut();
    queryClient.clear();
    router.replace("/login/");
  };
  return (
    <header className="border-b border-border bg-surface">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-lg gap-y-xs px-lg py-sm">
        <Link
          href={homeFor(role)}
          className="flex items-center gap-sm rounded-md font-semibold text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <Siren aria-hidden="true" className="size-5 text-danger" />
          SOS Console
        </Link>
        <nav aria-label="Main" className="order-last w-full overflow-x-auto sm:order-none sm:w-auto sm:flex-1">
          <ul className="flex gap-xs">
            {navFor(role).map((item) => {
              const current = pathname === item.href || pathname.startsWith(item.href);
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={current ? "page" : undefined}
                    className={cn(
                      "inline-flex h-9 items-center whitespace-nowrap rounded-md px-md text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                      current ? "bg-primary text-primary-foreground" : "text-foreground hover:bg-muted",
                    )}
                  >
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="ml-auto flex items-center gap-sm">
          <span className="hidden text-right text-xs leading-tight text-muted-foreground md:block">
            <span className="block font-medium text-foreground">{email}</span>
            {ROLE_LABEL[role]}
          </span>
          <ConnectionIndicator />
          <NotificationsMenu />
          <ThemeToggle />
          <Button variant="outline" size="sm" onClick={onSignOut}>
            <LogOut aria-hidden="true" /> Sign out
          </Button>
        </div>
      </div>
    </header>
  );
}

/**
 * The frame of every signed-in page: header and navigation for the role, the connection indicator, the offline
 * banner, and a guard that sends a signed-out visitor to the sign-in page. Hiding a page from a role is only for
 * clarity: the API decides.
 */
export function ConsolePage({
  title,
  roles,
  actions,
  children,
}: {
  title: string;
  roles: readonly Role[];
  actions?: ReactNode;
  children: ReactNode;
}) {
  const hydrated = useHydrated();
  const session = useSessionStore((state) => state.session);
  const router = useRouter();
  const pathname = usePathname();

  useEffect(() => {
    if (hydrated && !session) router.replace(`/login/?next=${encodeURIComponent(pathname)}`);
  }, [hydrated, session, router, pathname]);

  useEffect(() => {
    document.title = `${title} · SOS Console`;
  }, [title]);

  if (!hydrated || !session) {
    return (
      <main className="mx-auto max-w-7xl p-lg">
        <LoadingRows label="Loading the console" />
      </main>
    );
  }

  const allowed = roles.includes(session.role);
  return (
    <div className="flex min-h-dvh flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-sm focus:top-sm focus:z-50 focus:rounded-md focus:bg-background focus:p-sm focus:ring-2 focus:ring-ring"
      >
        Skip to content
      </a>
      <Header role={session.role} email={session.email} />
      <OfflineBanner />
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-lg py-lg focus:outline-none">
        <div className="mb-lg flex flex-wrap items-center justify-between gap-sm">
          <h1 className="text-2xl font-semibold text-foreground">{title}</h1>
          {allowed ? actions : null}
        </div>
        {allowed ? (
          <Suspense fallback={<LoadingRows label={`Loading ${title}`} />}>{children}</Suspense>
        ) : (
          <p className="text-foreground">
            This page is not part of the {ROLE_LABEL[session.role].toLowerCase()} console.{" "}
            <Link className="text-primary underline" href={homeFor(session.role)}>
              Go to your start page
            </Link>
            .
          </p>
        )}
      </main>
    </div>
  );
}
