"use client";

import { TeamsAdmin } from "@/components/admin/teams-admin";
import { ConsolePage } from "@/components/shell/console-page";

export default function TeamsPage() {
  return (
    <ConsolePage title="Teams" roles={["admin"]}>
      <TeamsAdmin />
    </ConsolePage>
  );
}
