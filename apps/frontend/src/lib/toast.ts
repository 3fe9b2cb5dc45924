import { create } from "zustand";
import { ApiProblem, describeProblem } from "@/lib/api/problem";

export interface Toast {
  id: number;
  tone: "info" | "success" | "error";
  title: string;
  description?: string;
}

interface ToastState {
  toasts: Toast[];
  push: (toast: Omit<Toast, "id">) => void;
  dismiss: (id: number) => void;
}

let nextId = 1;
const VISIBLE_MS = 8_000;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push: (toast) => {
    const id = nextId++;
    set({ toasts: [...get().toasts.slice(-3), { ...toast, id }] });
    if (typeof window !== "undefined") window.setTimeout(() => get().dismiss(id), VISIBLE_MS);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((toast) => toast.id !== id) }),
}));

export const notify = (toast: Omit<Toast, "id">): void => useToasts.getState().push(toast);

/** Shows a failed action with what to do next. */
export function notifyError(title: string, error: unknown): void {
  const description =
    error instanceof ApiProblem ? describeProblem(error) : error instanceof Error ? error.message : undefined;
  notify({ tone: "error", title, ...(description ? { description } : {}) });
}
