import type { ReactNode } from "react";
import { Card, CardTitle } from "@/components/ui/card";

/** A titled card that is a labelled region, so screen-reader users can jump between a page's parts. */
export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <Card className="flex flex-col gap-md" role="region" aria-labelledby={id}>
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <CardTitle id={id}>{title}</CardTitle>
        {actions}
      </div>
      {children}
    </Card>
  );
}
