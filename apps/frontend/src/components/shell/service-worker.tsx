"use client";

import { Serwist } from "@serwist/window";
import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";
import { notify } from "@/lib/toast";

/** How often a console left open all shift asks the server for a new version. */
const UPDATE_CHECK_MS = 15 * 60 * 1000;

type Update = "none" | "waiting" | "active";

/**
 * Registers the offline service worker (production builds only; `next dev` has none). A new version is installed in
 * the background and takes over at the next page change, which then loads in full: nobody is reloaded mid-task.
 */
export function ServiceWorker() {
  const pathname = usePathname();
  const serwist = useRef<Serwist | null>(null);
  const update = useRef<Update>("none");
  const reloadWhenActive = useRef(false);
  const shownPath = useRef(pathname);

  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    if (process.env.NODE_ENV !== "production") {
      // A worker left by a production build on this origin would serve stale files to the dev server.
      void navigator.serviceWorker.getRegistrations().then((all) => all.forEach((each) => void each.unregister()));
      return;
    }
    const worker = new Serwist("/sw.js", { scope: "/", type: "classic", updateViaCache: "none" });
    serwist.current = worker;
    let controlled = navigator.serviceWorker.controller !== null;

    worker.addEventListener("waiting", () => {
      if (update.current !== "none") return;
      update.current = "waiting";
      notify({
        tone: "info",
        title: "A new version of the console is ready",
        description: "It loads when you next change page.",
      });
    });
    // Another tab may have activated the new version: this tab's scripts are then older than the server's files.
    const onControllerChange = () => {
      if (!controlled) {
        controlled = true; // the first install taking control, not an update
        return;
      }
      update.current = "active";
      if (reloadWhenActive.current) window.location.reload();
    };
    navigator.serviceWorker.addEventListener("controllerchange", onControllerChange);

    const check = () => void worker.update().catch(() => undefined);
    const timer = window.setInterval(check, UPDATE_CHECK_MS);
    window.addEventListener("online", check);
    // Installing precaches the whole app shell: it waits until the page has loaded and the main thread is idle, so
    // it never competes with the first screen or the first taps.
    const register = () =>
      void worker.register().catch((error: unknown) => console.warn("The offline service worker did not register", error));
    const whenIdle = () =>
      "requestIdleCallback" in window ? window.requestIdleCallback(register, { timeout: 10_000 }) : register();
    if (document.readyState === "complete") whenIdle();
    else window.addEventListener("load", whenIdle, { once: true });

    return () => {
      window.removeEventListener("load", whenIdle);
      window.clearInterval(timer);
      window.removeEventListener("online", check);
      navigator.serviceWorker.removeEventListener("controllerchange", onControllerChange);
    };
  }, []);

  useEffect(() => {
    if (pathname === shownPath.current) return;
    shownPath.current = pathname;
    if (update.current === "active") {
      window.location.reload();
    } else if (update.current === "waiting" && serwist.current) {
      reloadWhenActive.current = true;
      serwist.current.messageSkipWaiting();
    }
  }, [pathname]);

  return null;
}
