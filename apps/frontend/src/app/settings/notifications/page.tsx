"use client";

import { NotificationSettings } from "@/components/notification-settings/notification-settings";
import { ConsolePage } from "@/components/shell/console-page";
import { ROLES } from "@/components/admin/member-form";

export default function NotificationSettingsPage() {
  return (
    <ConsolePage title="Notification settings" roles={ROLES}>
      <NotificationSettings />
    </ConsolePage>
  );
}
