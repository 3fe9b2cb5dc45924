"use client";

import { FolderPlus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useId, useMemo, useState, type FormEvent } from "react";
import { incidentHref } from "@/components/alerts/alert-list";
import { OPEN_STATUSES, sortForInbox } from "@/components/alerts/inbox-model";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { QueryBody } from "@/components/ui/states";
import { useAlerts } from "@/lib/queries/alerts";
import { useIncidents, useOpenIncident } from "@/lib/queries/incidents";
import { useMembers } from "@/lib/queries/users";
import { notify, notifyError } from "@/lib/toast";
import { AlertPicker } from "./alert-picker";
import { IncidentFields } from "./incident-fields";
import {
  EMPTY_INCIDENT_FORM,
  isValid,
  toIncidentCreate,
  validateIncidentForm,
  type IncidentFormErrors,
  type IncidentFormValues,
} from "./incident-form";

/** The form of "Open incident": title, severity, commander, summary, and open alerts to group under it. */
export function OpenIncidentForm({ onOpened }: { onOpened: (incidentId: string) => void }) {
  const [values, setValues] = useState<IncidentFormValues>(EMPTY_INCIDENT_FORM);
  const [errors, setErrors] = useState<IncidentFormErrors>({});
  const [submitted, setSubmitted] = useState(false);
  const members = useMembers();
  const openAlerts = useAlerts({ status: [...OPEN_STATUSES] });
  const incidents = useIncidents();
  const openIncident = useOpenIncident();
  const idPrefix = useId();

  const alerts = useMemo(() => sortForInbox(openAlerts.data?.items ?? []), [openAlerts.data]);
  const incidentTitles = useMemo(
    () => new Map((incidents.data?.items ?? []).map((incident) => [incident.id, incident.title])),
    [incidents.data],
  );

  const change = (patch: Partial<IncidentFormValues>) => {
    const next = { ...values, ...patch };
    setValues(next);
    if (submitted) setErrors(validateIncidentForm(next));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    const found = validateIncidentForm(values);
    setErrors(found);
    if (!isValid(found)) {
      document.getElementById(found.title ? `${idPrefix}-title` : `${idPrefix}-summary`)?.focus();
      return;
    }
    openIncident.mutate(toIncidentCreate(values), {
      onSuccess: (incident) => {
        notify({ tone: "success", title: `Incident “${incident.title}” opened` });
        onOpened(incident.id);
      },
      onError: (error) => notifyError("Could not open the incident", error),
    });
  };

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-md">
      <IncidentFields
        idPrefix={idPrefix}
        values={values}
        errors={errors}
        onChange={change}
        members={members.data?.items}
        membersState={members.data ? "ready" : members.isError ? "error" : "loading"}
        severityOptional
      />
      <section className="flex flex-col gap-xs">
        <h3 id={`${idPrefix}-alerts`} className="text-sm font-medium text-foreground">
          Alerts to group under it (optional)
        </h3>
        <QueryBody query={openAlerts} loading="Loading open alerts" rows={2}>
          {() =>
            alerts.length ? (
              <AlertPicker
                alerts={alerts}
                selected={values.alertIds}
                onChange={(alertIds) => change({ alertIds })}
                labelledBy={`${idPrefix}-alerts`}
                noteFor={(alert) =>
                  alert.incident_id
                    ? `Moves it out of “${incidentTitles.get(alert.incident_id) ?? "another incident"}”`
                    : undefined
                }
              />
            ) : (
              <p className="text-sm text-muted-foreground">No open alerts right now. You can add alerts later.</p>
            )
          }
        </QueryBody>
        {errors.alertIds ? (
          <p role="alert" className="text-xs font-medium text-danger">
            {errors.alertIds}
          </p>
        ) : null}
      </section>
      <div className="flex flex-wrap justify-end gap-sm">
        <Button type="submit" disabled={openIncident.isPending}>
          {openIncident.isPending ? "Opening…" : "Open incident"}
        </Button>
      </div>
    </form>
  );
}

export function OpenIncidentDialog() {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>
          <FolderPlus aria-hidden="true" /> Open incident
        </Button>
      </DialogTrigger>
      <DialogContent
        title="Open an incident"
        description="An incident groups related alerts under one commander and one conversation."
        className="max-w-[42rem]"
      >
        {open ? (
          <OpenIncidentForm
            onOpened={(id) => {
              setOpen(false);
              router.push(incidentHref(id));
            }}
          />
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
