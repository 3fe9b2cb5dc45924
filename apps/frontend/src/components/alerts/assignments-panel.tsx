"use client";

import type { AlertRead, AssignmentRead } from "@sos/contracts";
import { User, Users, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { ErrorState, LoadingRows } from "@/components/ui/states";
import { useAlertAssignments } from "@/lib/queries/alerts";
import { useTeamsById, useUnassignAlert, type People } from "@/lib/queries/responders";
import { notify, notifyError } from "@/lib/toast";
import { AssignDialog } from "./assign-dialog";
import { formatAge, formatDateTime } from "./format";
import { isOpen } from "./inbox-model";
import { useNow } from "./use-now";

/**
 * Who works the alert. Staff assign and unassign; everyone else reads. A responder cannot list the organization's
 * members, so other people assigned show as "another responder" for them; team names resolve for everyone.
 */
export function AssignmentsPanel({ alert, people, canManage }: { alert: AlertRead; people: People; canManage: boolean }) {
  const assignments = useAlertAssignments(alert.id);
  const teams = useTeamsById();
  const unassign = useUnassignAlert(alert.id);
  const now = useNow();

  const nameOf = (assignment: AssignmentRead): string =>
    assignment.team_id
      ? (teams.byId.get(assignment.team_id)?.name ?? "A team")
      : people.nameOf(assignment.responder_id, "Another responder");

  const remove = (assignment: AssignmentRead) => {
    const name = nameOf(assignment);
    unassign.mutate(assignment.id, {
      onSuccess: () => notify({ tone: "success", title: `Removed ${name}` }),
      onError: (error) => notifyError(`Could not remove ${name}`, error),
    });
  };

  const list = assignments.data;
  return (
    <div className="flex flex-col gap-sm">
      {list ? (
        list.length ? (
          <ul className="flex flex-col gap-xs">
            {list.map((assignment) => {
              const Icon = assignment.team_id ? Users : User;
              const name = nameOf(assignment);
              return (
                <li key={assignment.id} className="flex items-start gap-sm rounded-md border border-border p-sm">
                  <Icon aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
                  <div className="min-w-0 flex-1 text-sm">
                    <p className="font-medium text-foreground">
                      {name}
                      <span className="font-normal text-muted-foreground">
                        {assignment.team_id ? " (team)" : " (responder)"}
                      </span>
                    </p>
                    <p className="text-xs text-muted-foreground">
                      Assigned{" "}
                      <time dateTime={assignment.assigned_at} title={formatDateTime(assignment.assigned_at)}>
                        {formatAge(assignment.assigned_at, now)}
                      </time>
                      {assignment.assigned_by_id ? ` by ${people.nameOf(assignment.assigned_by_id, "a coordinator")}` : ""}
                    </p>
                  </div>
                  {canManage ? (
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={() => remove(assignment)}
                      disabled={unassign.isPending}
                      aria-label={`Remove ${name}`}
                    >
                      <X aria-hidden="true" /> Remove
                    </Button>
                  ) : null}
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="text-sm text-muted-foreground">
            {canManage && isOpen(alert.status)
              ? "Nobody is assigned yet. Assign responders or a team so someone goes."
              : "Nobody is assigned."}
          </p>
        )
      ) : assignments.isError ? (
        <ErrorState error={assignments.error} onRetry={() => void assignments.refetch()} />
      ) : (
        <LoadingRows rows={2} label="Loading assignments" />
      )}
      {canManage && list ? (
        <div>
          <AssignDialog alert={alert} assignments={list} />
        </div>
      ) : null}
    </div>
  );
}
