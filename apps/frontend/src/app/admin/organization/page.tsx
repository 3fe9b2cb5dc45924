"use client";

import { OrganizationSettings } from "@/components/admin/organization-settings";
import { ConsolePage } from "@/components/shell/console-page";

export default function OrganizationPage() {
  return (
    <ConsolePage title="Organization" roles={["admin"]}>
      <OrganizationSettings />
    </ConsolePage>
  );
}
