"use client";

import { useSearchParams } from "next/navigation";
import { IncidentDetailFor } from "@/components/incidents/incident-detail";
import { ConsolePage } from "@/components/shell/console-page";

function IncidentFromQuery() {
  const id = useSearchParams().get("id") ?? undefined;
  return <IncidentDetailFor id={id} />;
}

export default function IncidentPage() {
  return (
    <ConsolePage title="Incident" roles={["admin", "coordinator"]}>
      <IncidentFromQuery />
    </ConsolePage>
  );
}
