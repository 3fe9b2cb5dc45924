"use client";

import { IncidentList } from "@/components/incidents/incident-list";
import { OpenIncidentDialog } from "@/components/incidents/open-incident-dialog";
import { ConsolePage } from "@/components/shell/console-page";

export default function IncidentsPage() {
  return (
    <ConsolePage title="Incidents" roles={["admin", "coordinator"]} actions={<OpenIncidentDialog />}>
      <IncidentList />
    </ConsolePage>
  );
}
