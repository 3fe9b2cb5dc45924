"use client";

import type { AlertRead } from "@sos/contracts";
import { severity as severityTokens } from "@sos/design-system";
import { FolderInput } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { CATEGORY_LABEL, formatAge } from "@/components/alerts/format";
import { useNow } from "@/components/alerts/use-now";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { QueryBody } from "@/components/ui/states";
import { useIncidents, useMergeAlerts, useOpenIncident } from "@/lib/queries/incidents";
import { notify, notifyError } from "@/lib/toast";
import { TITLE_MAX, validateIncidentForm, EMPTY_INCIDENT_FORM } from "./incident-form";

const NEW = "new";

/** Staff put an alert into an open incident, or open a new incident around it. */
export function AddToIncidentDialog({ alert }: { alert: AlertRead }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<string>("");
  const [title, setTitle] = useState("");
  const [titleError, setTitleError] = useState<string | undefined>();
  const incidents = useIncidents({ status: ["open"] });
  const merge = useMergeAlerts();
  const openIncident = useOpenIncident();
  const now = useNow();
  const id = useId();
  const candidates = (incidents.data?.items ?? []).filter((incident) => incident.id !== alert.incident_id);
  const pending = merge.isPending || openIncident.isPending;
  const moving = Boolean(alert.incident_id);

  const close = () => {
    setOpen(false);
    setChoice("");
    setTitle("");
    setTitleError(undefined);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (choice === NEW) {
      const error = validateIncidentForm({ ...EMPTY_INCIDENT_FORM, title }).title;
      setTitleError(error);
      if (error) {
        document.getElementById(`${id}-title`)?.focus();
        return;
      }
      openIncident.mutate(
        { title: title.trim(), alert_ids: [alert.id] },
        {
          onSuccess: (incident) => {
            notify({ tone: "success", title: `Incident “${incident.title}” opened with this alert` });
            close();
          },
          onError: (error) => notifyError("Could not open the incident", error),
        },
      );
      return;
    }
    const target = candidates.find((incident) => incident.id === choice);
    if (!target) return;
    merge.mutate(
      { incidentId: target.id, alertIds: [alert.id] },
      {
        onSuccess: () => {
          notify({ tone: "success", title: `Alert added to “${target.title}”` });
          close();
        },
        onError: (error) => notifyError("Could not add the alert to the incident", error),
      },
    );
  };

  const suggestedTitle = `${CATEGORY_LABEL[alert.category]} at ${alert.lat.toFixed(3)}, ${alert.lon.toFixed(3)}`;
  return (
    <Dialog open={open} onOpenChange={(next) => (next ? setOpen(true) : close())}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <FolderInput aria-hidden="true" /> {moving ? "Move to another incident" : "Add to incident"}
        </Button>
      </DialogTrigger>
      <DialogContent
        title={moving ? "Move this alert to another incident" : "Add this alert to an incident"}
        description="Pick an open incident, or open a new one around this alert."
      >
        <form noValidate onSubmit={submit} className="flex flex-col gap-md">
          <fieldset className="flex flex-col gap-xs">
            <legend className="mb-xs text-sm font-medium text-foreground">Incident</legend>
            <QueryBody query={incidents} loading="Loading open incidents" rows={2}>
              {() => (
                <ul className="flex max-h-64 flex-col overflow-y-auto rounded-md border border-border">
                  {candidates.map((incident) => (
                    <li key={incident.id}>
                      <label className="flex cursor-pointer items-start gap-sm p-sm text-sm hover:bg-muted">
                        <input
                          type="radio"
                          name={`${id}-incident`}
                          value={incident.id}
                          checked={choice === incident.id}
                          onChange={() => setChoice(incident.id)}
                          className="mt-1 size-4 accent-primary focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                        />
                        <span className="flex flex-col">
                          <span className="font-medium text-foreground">{incident.title}</span>
                          <span className="text-xs text-muted-foreground">
                            {severityTokens[incident.severity].label} · {incident.alert_ids?.length ?? 0} alerts ·
                            opened {formatAge(incident.created_at, now)}
                          </span>
                        </span>
                      </label>
                    </li>
                  ))}
                  <li>
                    <label className="flex cursor-pointer items-start gap-sm p-sm text-sm hover:bg-muted">
                      <input
                        type="radio"
                        name={`${id}-incident`}
                        value={NEW}
                        checked={choice === NEW}
                        onChange={() => {
                          setChoice(NEW);
                          if (!title) setTitle(suggestedTitle);
                        }}
                        className="mt-1 size-4 accent-primary focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                      />
                      <span className="font-medium text-foreground">Open a new incident with this alert</span>
                    </label>
                  </li>
                </ul>
              )}
            </QueryBody>
            {incidents.data && candidates.length === 0 ? (
              <p className="text-xs text-muted-foreground">There is no other open incident.</p>
            ) : null}
          </fieldset>
          {choice === NEW ? (
            <Field id={`${id}-title`} label="Title of the new incident" error={titleError}>
              <Input
                id={`${id}-title`}
                value={title}
                maxLength={TITLE_MAX + 50}
                aria-invalid={Boolean(titleError)}
                aria-describedby={titleError ? `${id}-title-error` : undefined}
                onChange={(event) => setTitle(event.target.value)}
              />
            </Field>
          ) : null}
          {moving && choice && choice !== NEW ? (
            <p className="text-sm text-muted-foreground">The alert leaves its current incident.</p>
          ) : null}
          <div className="flex flex-wrap justify-end gap-sm">
            <Button variant="outline" onClick={close}>
              Close
            </Button>
            <Button type="submit" disabled={!choice || pending}>
              {pending ? "Saving…" : choice === NEW ? "Open incident" : moving ? "Move alert" : "Add alert"}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
