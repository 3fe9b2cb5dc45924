"use client";

import { AlertInbox } from "@/components/alerts/alert-inbox";
import { ConsolePage } from "@/components/shell/console-page";

export default function AlertsPage() {
  return (
    <ConsolePage title="Alerts" roles={["admin", "coordinator"]}>
      <AlertInbox />
    </ConsolePage>
  );
}
