"use client";

import { ResponderBoard } from "@/components/responders/responder-board";
import { ConsolePage } from "@/components/shell/console-page";

export default function RespondersPage() {
  return (
    <ConsolePage title="Responders" roles={["admin", "coordinator"]}>
      <ResponderBoard />
    </ConsolePage>
  );
}
