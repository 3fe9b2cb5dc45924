"use client";

import { ProvidersAdmin } from "@/components/admin/providers/providers-admin";
import { ConsolePage } from "@/components/shell/console-page";

export default function ProvidersPage() {
  return (
    <ConsolePage title="Notification providers" roles={["admin"]}>
      <ProvidersAdmin />
    </ConsolePage>
  );
}
