"use client";

import { CircleAlert, CircleCheck, Info, X } from "lucide-react";
import { cn } from "@/lib/cn";
import { useToasts } from "@/lib/toast";

const ICONS = { info: Info, success: CircleCheck, error: CircleAlert } as const;

/** Announces results politely, errors assertively; each toast can be dismissed by keyboard. */
export function Toaster() {
  const toasts = useToasts((state) => state.toasts);
  const dismiss = useToasts((state) => state.dismiss);
  return (
    <div className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-sm p-lg sm:items-end">
      {toasts.map((toast) => {
        const Icon = ICONS[toast.tone];
        return (
          <div
            key={toast.id}
            role={toast.tone === "error" ? "alert" : "status"}
            className={cn(
              "pointer-events-auto flex w-full max-w-[24rem] items-start gap-sm rounded-lg border bg-background p-md shadow-lg",
              toast.tone === "error" ? "border-danger" : "border-border",
            )}
          >
            <Icon aria-hidden="true" className={cn("mt-0.5 size-4", toast.tone === "error" && "text-danger")} />
            <div className="flex-1 text-sm">
              <p className="font-medium text-foreground">{toast.title}</p>
              {toast.description ? <p className="text-muted-foreground">{toast.description}</p> : null}
            </div>
            <button
              type="button"
              onClick={() => dismiss(toast.id)}
              className="rounded-sm p-2xs text-muted-foreground hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            >
              <X aria-hidden="true" className="size-4" />
              <span className="sr-only">Dismiss</span>
            </button>
          </div>
        );
      })}
    </div>
  );
}
