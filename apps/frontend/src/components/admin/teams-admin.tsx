"use client";

import type { TeamMemberRead } from "@sos/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { FolderPlus, Pencil, Plus, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";
import { TeamDispatchSettings } from "@/components/dispatch/team-dispatch-settings";
import { Freshness } from "@/components/shell/freshness";
import { Button } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { ApiProblem, describeProblem } from "@/lib/api/problem";
import { keys } from "@/lib/queries/keys";
import { useDeleteTeam, useTeams } from "@/lib/queries/teams";
import { notify, notifyError } from "@/lib/toast";
import { ConfirmDialog } from "./confirm-dialog";
import { TeamFormDialog, type TeamFormMode } from "./team-form-dialog";
import { TeamMembers } from "./team-members";
import { TeamTree } from "./team-tree";
import { allNodes, buildForest, pathOf, type TeamNode } from "./team-tree-model";

function DeleteTeamDialog({
  node,
  onClose,
  onDeleted,
}: {
  node: TeamNode;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteTeam();
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const memberCount = client.getQueryData<TeamMemberRead[]>(keys.teams.members(node.team.id))?.length;
  const subTeams = node.children.length;
  return (
    <ConfirmDialog
      open
      onOpenChange={(open) => (open ? undefined : onClose())}
      title={`Delete ${node.team.name}?`}
      confirmLabel="Delete team"
      busyLabel="Deleting…"
      busy={remove.isPending}
      error={error}
      confirmDisabled={subTeams > 0}
      onConfirm={() =>
        remove.mutate(node.team, {
          onSuccess: () => {
            notify({ tone: "success", title: `${node.team.name} deleted` });
            onDeleted();
          },
          onError: (caught) => {
            setError(caught instanceof ApiProblem ? describeProblem(caught) : "Deleting failed. Try again.");
            notifyError(`Could not delete ${node.team.name}`, caught);
          },
        })
      }
    >
      {subTeams > 0 ? (
        <p className="font-medium">
          It still has {subTeams} sub-team{subTeams === 1 ? "" : "s"} (
          {node.children.map((child) => child.team.name).join(", ")}). A team with sub-teams cannot be deleted: move
          them to another parent or delete them first.
        </p>
      ) : (
        <>
          <p>
            The team is removed from the hierarchy
            {memberCount === undefined
              ? " and its members are taken off it"
              : memberCount === 0
                ? "; it has no members"
                : ` and its ${memberCount} member${memberCount === 1 ? " is" : "s are"} taken off it`}
            . People stay in the organization with their roles.
          </p>
          <p>A team still assigned to open alerts cannot be deleted: reassign those alerts first.</p>
        </>
      )}
    </ConfirmDialog>
  );
}

function TeamDetails({
  node,
  onEdit,
  onAddSubTeam,
  onDelete,
}: {
  node: TeamNode;
  onEdit: () => void;
  onAddSubTeam: () => void;
  onDelete: () => void;
}) {
  const path = pathOf(node);
  return (
    <Card className="flex flex-col gap-lg">
      <div className="flex flex-col gap-xs">
        {path.length > 1 ? (
          <p className="text-xs text-muted-foreground">
            <span className="sr-only">Part of </span>
            {path.slice(0, -1).join(" › ")}
          </p>
        ) : (
          <p className="text-xs text-muted-foreground">Top-level team</p>
        )}
        <CardTitle className="text-xl">{node.team.name}</CardTitle>
        {node.team.description ? (
          <p className="whitespace-pre-line text-sm text-foreground">{node.team.description}</p>
        ) : null}
        <p className="text-sm text-muted-foreground">
          {node.children.length === 0
            ? "No sub-teams"
            : `Sub-teams: ${node.children.map((child) => child.team.name).join(", ")}`}
        </p>
      </div>
      <div className="flex flex-wrap gap-sm">
        <Button variant="outline" size="sm" onClick={onEdit}>
          <Pencil aria-hidden="true" /> Rename or move
        </Button>
        <Button variant="outline" size="sm" onClick={onAddSubTeam}>
          <FolderPlus aria-hidden="true" /> Add sub-team
        </Button>
        <Button variant="outline" size="sm" className="text-danger" onClick={onDelete}>
          <Trash2 aria-hidden="true" /> Delete
        </Button>
      </div>
      <TeamMembers team={node.team} />
      <div className="border-t border-border pt-lg">
        <TeamDispatchSettings team={node.team} />
      </div>
    </Card>
  );
}

type OpenDialog = TeamFormMode | { kind: "delete"; node: TeamNode } | null;

/** The team hierarchy on one side, the selected team and its members on the other (stacked on narrow screens). */
export function TeamsAdmin() {
  const teams = useTeams();
  const forest = useMemo(() => buildForest(teams.data ?? []), [teams.data]);
  const nodes = useMemo(() => new Map(allNodes(forest).map((node) => [node.team.id, node])), [forest]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const selected = (selectedId ? nodes.get(selectedId) : undefined) ?? forest[0];

  return (
    <div className="flex flex-col gap-md">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <Freshness updatedAt={teams.dataUpdatedAt} failing={teams.isError} />
        <Button className="ml-auto" onClick={() => setDialog({ kind: "create", parentId: null })}>
          <Plus aria-hidden="true" /> New team
        </Button>
      </div>
      <QueryBody query={teams} loading="Loading teams">
        {() =>
          forest.length === 0 ? (
            <EmptyState title="No teams yet">
              Create a team with “New team”, then add responders and coordinators to it.
            </EmptyState>
          ) : (
            <div className="grid grid-cols-1 items-start gap-lg lg:grid-cols-[minmax(16rem,22rem)_minmax(0,1fr)]">
              <Card className="flex flex-col gap-sm p-md">
                <CardTitle>
                  Hierarchy <span className="font-normal text-muted-foreground">({nodes.size} teams)</span>
                </CardTitle>
                <TeamTree
                  forest={forest}
                  selectedId={selected?.team.id ?? null}
                  onSelect={setSelectedId}
                  label="Teams"
                />
              </Card>
              {selected ? (
                <TeamDetails
                  key={selected.team.id}
                  node={selected}
                  onEdit={() => setDialog({ kind: "edit", node: selected })}
                  onAddSubTeam={() => setDialog({ kind: "create", parentId: selected.team.id })}
                  onDelete={() => setDialog({ kind: "delete", node: selected })}
                />
              ) : null}
            </div>
          )
        }
      </QueryBody>
      {dialog?.kind === "create" || dialog?.kind === "edit" ? (
        <TeamFormDialog
          mode={dialog}
          forest={forest}
          onClose={() => setDialog(null)}
          onSaved={(team) => {
            setDialog(null);
            setSelectedId(team.id);
          }}
        />
      ) : null}
      {dialog?.kind === "delete" ? (
        <DeleteTeamDialog
          node={dialog.node}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            setSelectedId(dialog.node.parent?.team.id ?? null);
          }}
        />
      ) : null}
    </div>
  );
}
