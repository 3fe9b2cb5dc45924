"use client";

import type { TeamRead, TeamUpdate } from "@sos/contracts";
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Input, Select, Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { useCreateTeam, useUpdateTeam } from "@/lib/queries/teams";
import { notify } from "@/lib/toast";
import { withCodeOnField, type FieldErrors } from "./field-errors";
import { describedBy } from "./member-form";
import { allNodes, subtreeIds, type TeamNode } from "./team-tree-model";

/** Refusals that belong to one field of the form. */
const CODE_FIELDS = { already_exists: "name", team_cycle: "parent_id", reference_not_found: "parent_id" };

export type TeamFormMode = { kind: "create"; parentId: string | null } | { kind: "edit"; node: TeamNode };

function validate(name: string, description: string): FieldErrors {
  return {
    name: !name.trim() ? "Enter a name." : name.trim().length > 120 ? "Use at most 120 characters." : undefined,
    description: description.length > 2000 ? "Use at most 2000 characters." : undefined,
  };
}

/** Creates a team, or renames, describes and moves one. A team cannot move below itself or its own sub-teams. */
export function TeamFormDialog({
  mode,
  forest,
  onClose,
  onSaved,
}: {
  mode: TeamFormMode;
  forest: readonly TeamNode[];
  onClose: () => void;
  onSaved: (team: TeamRead) => void;
}) {
  const id = useId();
  const editing = mode.kind === "edit" ? mode.node.team : null;
  const [name, setName] = useState(editing?.name ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [parentId, setParentId] = useState(mode.kind === "edit" ? (editing?.parent_id ?? "") : (mode.parentId ?? ""));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateTeam();
  const update = useUpdateTeam();
  const busy = create.isPending || update.isPending;

  const excluded = mode.kind === "edit" ? subtreeIds(mode.node) : new Set<string>();
  const parents = allNodes(forest).filter((node) => !excluded.has(node.team.id));

  const changes: TeamUpdate = {};
  if (editing) {
    if (name.trim() !== editing.name) changes.name = name.trim();
    if ((description.trim() || null) !== editing.description) changes.description = description.trim() || null;
    if ((parentId || null) !== editing.parent_id) changes.parent_id = parentId || null;
  }
  const unchanged = editing !== null && Object.keys(changes).length === 0;

  const onError = (error: Error) => {
    const fields = withCodeOnField(error, CODE_FIELDS);
    setErrors(fields);
    if (!Object.values(fields).some(Boolean))
      setFormError(error instanceof ApiProblem ? describeProblem(error) : "Saving the team failed. Try again.");
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validate(name, description);
    setErrors(found);
    setFormError(null);
    if (Object.values(found).some(Boolean) || unchanged) return;
    const onSuccess = (team: TeamRead) => {
      notify({ tone: "success", title: editing ? `${team.name} saved` : `${team.name} created` });
      onSaved(team);
    };
    if (editing) update.mutate({ team: editing, changes }, { onSuccess, onError });
    else
      create.mutate(
        {
          name: name.trim(),
          parent_id: parentId || null,
          ...(description.trim() ? { description: description.trim() } : {}),
        },
        { onSuccess, onError },
      );
  };

  return (
    <Dialog open onOpenChange={(open) => (!open && !busy ? onClose() : undefined)}>
      <DialogContent
        title={editing ? `Edit ${editing.name}` : "New team"}
        description={
          editing
            ? "Rename it, describe it, or move it below another team. Its sub-teams and members move with it."
            : "Teams can sit below other teams, e.g. a district below a city."
        }
      >
        <form noValidate onSubmit={onSubmit} className="flex flex-col gap-md">
          <Field id={`${id}-name`} label="Name" error={errors.name}>
            <Input
              id={`${id}-name`}
              required
              maxLength={120}
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                setErrors((current) => ({ ...current, name: undefined }));
              }}
              aria-invalid={Boolean(errors.name)}
              aria-describedby={describedBy(`${id}-name`, { error: errors.name })}
            />
          </Field>
          <Field
            id={`${id}-parent`}
            label="Parent team"
            hint={editing ? "Its own sub-teams are not offered: a team cannot sit below itself." : undefined}
            error={errors.parent_id}
          >
            <Select
              id={`${id}-parent`}
              value={parentId}
              onChange={(event) => {
                setParentId(event.target.value);
                setErrors((current) => ({ ...current, parent_id: undefined }));
              }}
              aria-invalid={Boolean(errors.parent_id)}
              aria-describedby={describedBy(`${id}-parent`, { hint: Boolean(editing), error: errors.parent_id })}
            >
              <option value="">None (top-level team)</option>
              {parents.map((node) => (
                <option key={node.team.id} value={node.team.id}>
                  {"\u00a0\u00a0\u00a0".repeat(node.level - 1)}
                  {node.team.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field id={`${id}-description`} label="Description (optional)" error={errors.description}>
            <Textarea
              id={`${id}-description`}
              maxLength={2000}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
              aria-invalid={Boolean(errors.description)}
              aria-describedby={describedBy(`${id}-description`, { error: errors.description })}
            />
          </Field>
          <DialogFooter error={formError} busy={busy}>
            <Button type="submit" disabled={busy || unchanged}>
              {busy ? "Saving…" : editing ? "Save" : "Create team"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
