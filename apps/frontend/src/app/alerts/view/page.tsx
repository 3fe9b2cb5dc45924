"use client";

import { useSearchParams } from "next/navigation";
import { AlertDetailFor } from "@/components/alerts/alert-detail";
import { ConsolePage } from "@/components/shell/console-page";

function AlertFromQuery() {
  const id = useSearchParams().get("id") ?? undefined;
  return <AlertDetailFor id={id} />;
}

export default function AlertPage() {
  return (
    <ConsolePage title="Alert" roles={["admin", "coordinator", "responder"]}>
      <AlertFromQuery />
    </ConsolePage>
  );
}
