"use client";

import type { Availability, ResponderRead, ResponderUpdate } from "@sos/contracts";
import { Pencil } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogTrigger } from "@/components/ui/dialog";
import { Input, Select } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { useUpdateResponder } from "@/lib/queries/responders";
import { notify, notifyError } from "@/lib/toast";
import { AVAILABILITIES, AVAILABILITY_LABEL } from "./availability-badge";
import { parseSkills } from "./skills";

/** What changed between the profile and the form; empty when nothing did. */
export function responderChanges(responder: ResponderRead, availability: Availability, skills: string[]): ResponderUpdate {
  const changes: ResponderUpdate = {};
  if (availability !== responder.availability) changes.availability = availability;
  const same = skills.length === responder.skills.length && skills.every((skill, index) => skill === responder.skills[index]);
  if (!same) changes.skills = skills;
  return changes;
}

function EditResponderForm({ responder, onDone }: { responder: ResponderRead; onDone: () => void }) {
  const [availability, setAvailability] = useState<Availability>(responder.availability);
  const [skillsText, setSkillsText] = useState(responder.skills.join(", "));
  const [skillsError, setSkillsError] = useState<string | undefined>();
  const update = useUpdateResponder();
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseSkills(skillsText);
    setSkillsError(parsed.error);
    if (parsed.error) {
      document.getElementById(`${id}-skills`)?.focus();
      return;
    }
    const changes = responderChanges(responder, availability, parsed.skills);
    if (Object.keys(changes).length === 0) {
      notify({ tone: "info", title: "Nothing changed" });
      onDone();
      return;
    }
    update.mutate(
      { responder, changes },
      {
        onSuccess: (updated) => {
          notify({ tone: "success", title: `${updated.full_name} updated` });
          onDone();
        },
        onError: (error) => notifyError(`Could not update ${responder.full_name}`, error),
      },
    );
  };

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-md">
      <Field id={`${id}-availability`} label="Availability">
        <Select
          id={`${id}-availability`}
          value={availability}
          onChange={(event) => setAvailability(event.target.value as Availability)}
        >
          {AVAILABILITIES.map((value) => (
            <option key={value} value={value}>
              {AVAILABILITY_LABEL[value]}
            </option>
          ))}
        </Select>
      </Field>
      <Field
        id={`${id}-skills`}
        label="Skills"
        hint="Separate with commas or spaces, e.g. first_aid, cpr, water_rescue."
        error={skillsError}
      >
        <Input
          id={`${id}-skills`}
          value={skillsText}
          aria-invalid={Boolean(skillsError)}
          aria-describedby={[`${id}-skills-hint`, skillsError ? `${id}-skills-error` : null].filter(Boolean).join(" ")}
          onChange={(event) => setSkillsText(event.target.value)}
        />
      </Field>
      <div className="flex flex-wrap justify-end gap-sm">
        <Button variant="outline" onClick={onDone}>
          Close
        </Button>
        <Button type="submit" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}

/** Staff change a responder's availability and skills (If-Match with the version shown). */
export function EditResponderDialog({ responder }: { responder: ResponderRead }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={`Edit ${responder.full_name}`}>
          <Pencil aria-hidden="true" /> Edit
        </Button>
      </DialogTrigger>
      <DialogContent
        title={`Edit ${responder.full_name}`}
        description="Availability and skills decide who is offered for an alert."
      >
        {open ? <EditResponderForm responder={responder} onDone={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}
