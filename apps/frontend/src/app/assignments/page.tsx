"use client";

import { AssignmentsView } from "@/components/responder/assignments-view";
import { ConsolePage } from "@/components/shell/console-page";

export default function AssignmentsPage() {
  return (
    <ConsolePage title="My assignments" roles={["responder"]}>
      <AssignmentsView />
    </ConsolePage>
  );
}
