"use client";

import { UsersAdmin } from "@/components/admin/users-admin";
import { ConsolePage } from "@/components/shell/console-page";

export default function UsersPage() {
  return (
    <ConsolePage title="Users and roles" roles={["admin"]}>
      <UsersAdmin />
    </ConsolePage>
  );
}
