"use client";

import type { IncidentRead } from "@sos/contracts";
import { Pencil } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { useUpdateIncident } from "@/lib/queries/incidents";
import { useMembers } from "@/lib/queries/users";
import { notify, notifyError } from "@/lib/toast";
import { IncidentFields } from "./incident-fields";
import {
  formFromIncident,
  isValid,
  toIncidentUpdate,
  validateIncidentForm,
  type IncidentFormErrors,
  type IncidentFormValues,
} from "./incident-form";

function EditIncidentForm({ incident, onDone }: { incident: IncidentRead; onDone: () => void }) {
  const [values, setValues] = useState<IncidentFormValues>(() => formFromIncident(incident));
  const [errors, setErrors] = useState<IncidentFormErrors>({});
  const members = useMembers();
  const update = useUpdateIncident(incident);
  const idPrefix = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateIncidentForm(values);
    setErrors(found);
    if (!isValid(found)) {
      document.getElementById(found.title ? `${idPrefix}-title` : `${idPrefix}-summary`)?.focus();
      return;
    }
    const changes = toIncidentUpdate(incident, values);
    if (Object.keys(changes).length === 0) {
      notify({ tone: "info", title: "Nothing changed" });
      onDone();
      return;
    }
    update.mutate(changes, {
      onSuccess: () => {
        notify({ tone: "success", title: "Incident updated" });
        onDone();
      },
      // On 412 the latest version loads behind the dialog; saving again applies these edits on top of it.
      onError: (error) => notifyError("Could not update the incident", error),
    });
  };

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-md">
      <IncidentFields
        idPrefix={idPrefix}
        values={values}
        errors={errors}
        onChange={(patch) => {
          const next = { ...values, ...patch };
          setValues(next);
          if (Object.keys(errors).length) setErrors(validateIncidentForm(next));
        }}
        members={members.data?.items}
        membersState={members.data ? "ready" : members.isError ? "error" : "loading"}
        severityOptional={false}
      />
      <div className="flex flex-wrap justify-end gap-sm">
        <Button variant="outline" onClick={onDone}>
          Close
        </Button>
        <Button type="submit" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save changes"}
        </Button>
      </div>
    </form>
  );
}

/** Title, severity, summary and commander of an incident; the PATCH carries If-Match with the version shown. */
export function EditIncidentDialog({ incident }: { incident: IncidentRead }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <Pencil aria-hidden="true" /> Edit
        </Button>
      </DialogTrigger>
      <DialogContent title="Edit incident" className="max-w-[36rem]">
        {open ? <EditIncidentForm incident={incident} onDone={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}
