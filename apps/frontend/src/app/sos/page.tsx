"use client";

import { SosView } from "@/components/reporter/sos-view";
import { ConsolePage } from "@/components/shell/console-page";

export default function SosPage() {
  return (
    <ConsolePage title="SOS" roles={["reporter"]}>
      <SosView />
    </ConsolePage>
  );
}
