import { CircleAlert, Inbox, RotateCw } from "lucide-react";
import type { ReactNode } from "react";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { cn } from "@/lib/cn";
import { Button } from "./button";

/** Placeholder rows with a fixed height, so the layout does not jump when data arrives. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-muted", className)} />;
}

export function LoadingRows({ rows = 4, label }: { rows?: number; label: string }) {
  return (
    <div role="status" aria-live="polite" className="flex flex-col gap-sm">
      <span className="sr-only">{label}</span>
      {Array.from({ length: rows }, (_, index) => (
        <Skeleton key={index} className="h-14 w-full" />
      ))}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-sm rounded-lg border border-dashed border-border p-2xl text-center">
      <Inbox aria-hidden="true" className="size-8 text-muted-foreground" />
      <p className="font-medium text-foreground">{title}</p>
      {children ? <div className="text-sm text-muted-foreground">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message =
    error instanceof ApiProblem ? describeProblem(error) : "Something went wrong while loading. Try again.";
  return (
    <div role="alert" className="flex flex-col items-start gap-sm rounded-lg border border-danger p-lg">
      <p className="flex items-center gap-sm font-medium text-danger">
        <CircleAlert aria-hidden="true" className="size-4" /> Could not load this
      </p>
      <p className="text-sm text-foreground">{message}</p>
      {onRetry ? (
        <Button variant="outline" size="sm" onClick={onRetry}>
          <RotateCw aria-hidden="true" /> Try again
        </Button>
      ) : null}
    </div>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

/**
 * The three states of a view's data: the data (kept on screen even when a refresh fails, Freshness marks it stale),
 * the error with a retry when nothing was ever loaded, or placeholder rows while it loads.
 */
export function QueryBody<T>({
  query,
  loading,
  rows,
  children,
}: {
  query: QueryLike<T>;
  loading: string;
  rows?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <LoadingRows label={loading} {...(rows === undefined ? {} : { rows })} />;
}
