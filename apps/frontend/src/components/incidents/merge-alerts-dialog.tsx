"use client";

import type { IncidentRead } from "@sos/contracts";
import { ListPlus } from "lucide-react";
import { useId, useMemo, useState } from "react";
import { OPEN_STATUSES, sortForInbox } from "@/components/alerts/inbox-model";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { QueryBody } from "@/components/ui/states";
import { useAlerts } from "@/lib/queries/alerts";
import { useMergeAlerts } from "@/lib/queries/incidents";
import { notify, notifyError } from "@/lib/toast";
import { AlertPicker } from "./alert-picker";
import { ALERTS_MAX } from "./incident-form";

function MergeForm({ incident, onDone }: { incident: IncidentRead; onDone: () => void }) {
  const [selected, setSelected] = useState<string[]>([]);
  const openAlerts = useAlerts({ status: [...OPEN_STATUSES] });
  const merge = useMergeAlerts();
  const id = useId();
  const candidates = useMemo(
    () => sortForInbox((openAlerts.data?.items ?? []).filter((alert) => alert.incident_id === null)),
    [openAlerts.data],
  );
  const tooMany = selected.length > ALERTS_MAX;

  const submit = () => {
    merge.mutate(
      { incidentId: incident.id, alertIds: selected },
      {
        onSuccess: () => {
          notify({
            tone: "success",
            title:
              selected.length === 1 ? "Alert added to the incident" : `${selected.length} alerts added to the incident`,
          });
          onDone();
        },
        onError: (error) => notifyError("Could not add the alerts", error),
      },
    );
  };

  return (
    <div className="flex flex-col gap-md">
      <h3 id={`${id}-alerts`} className="text-sm font-medium text-foreground">
        Open alerts not in any incident
      </h3>
      <QueryBody query={openAlerts} loading="Loading open alerts" rows={3}>
        {() =>
          candidates.length ? (
            <AlertPicker alerts={candidates} selected={selected} onChange={setSelected} labelledBy={`${id}-alerts`} />
          ) : (
            <p className="text-sm text-muted-foreground">Every open alert already belongs to an incident.</p>
          )
        }
      </QueryBody>
      {tooMany ? (
        <p role="alert" className="text-xs font-medium text-danger">
          Pick at most {ALERTS_MAX} alerts at once.
        </p>
      ) : null}
      <div className="flex flex-wrap items-center justify-end gap-sm">
        <p className="mr-auto text-sm text-muted-foreground" aria-live="polite">
          {selected.length ? `${selected.length} selected` : "Nothing selected"}
        </p>
        <Button variant="outline" onClick={onDone}>
          Close
        </Button>
        <Button onClick={submit} disabled={selected.length === 0 || tooMany || merge.isPending}>
          {merge.isPending ? "Adding…" : "Add to incident"}
        </Button>
      </div>
    </div>
  );
}

/** Groups more open alerts under the incident. */
export function MergeAlertsDialog({ incident }: { incident: IncidentRead }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <ListPlus aria-hidden="true" /> Add alerts
        </Button>
      </DialogTrigger>
      <DialogContent
        title="Add alerts to this incident"
        description="They keep their own status; the incident's commander and messages now cover them too."
        className="max-w-[42rem]"
      >
        {open ? <MergeForm incident={incident} onDone={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}
