"use client";

import type { MemberRead, MembershipStatus, Role } from "@sos/contracts";
import { useId, useMemo, useState } from "react";
import { Freshness } from "@/components/shell/freshness";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { EmptyState, QueryBody } from "@/components/ui/states";
import { useSessionStore } from "@/lib/auth/session-store";
import { MEMBER_CAP, useMembers } from "@/lib/queries/users";
import { ROLE_LABEL } from "@/lib/roles";
import { CreateMemberDialog } from "./create-member-dialog";
import { MEMBER_GRID, MemberRow } from "./member-row";
import { ROLES } from "./member-form";
import { MEMBERSHIP_STATUS_LABEL } from "./membership-status";

const STATUSES: readonly MembershipStatus[] = ["active", "invited", "deactivated"];

const memberCount = (count: number) => `${count} ${count === 1 ? "member" : "members"}`;

const byName = (a: MemberRead, b: MemberRead) =>
  a.full_name.localeCompare(b.full_name) || a.email.localeCompare(b.email);

function countBy<K extends string>(
  members: readonly MemberRead[],
  key: (member: MemberRead) => K,
): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const member of members) counts[key(member)] = (counts[key(member)] ?? 0) + 1;
  return counts;
}

/**
 * The organization's members. The whole directory is loaded once and filtered here, so changing a filter or
 * typing a search answers at once (the API has no text search).
 */
export function UsersAdmin() {
  const id = useId();
  const selfId = useSessionStore((state) => state.session?.userId);
  const members = useMembers();
  const [role, setRole] = useState<Role | "">("");
  const [status, setStatus] = useState<MembershipStatus | "">("");
  const [search, setSearch] = useState("");

  const all = useMemo(() => [...(members.data?.items ?? [])].sort(byName), [members.data]);
  const roleCounts = useMemo(() => countBy(all, (member) => member.role), [all]);
  const statusCounts = useMemo(() => countBy(all, (member) => member.status), [all]);
  const term = search.trim().toLowerCase();
  const shown = all.filter(
    (member) =>
      (!role || member.role === role) &&
      (!status || member.status === status) &&
      (!term || member.full_name.toLowerCase().includes(term) || member.email.toLowerCase().includes(term)),
  );
  const filtered = Boolean(role || status || term);
  const clearFilters = () => {
    setRole("");
    setStatus("");
    setSearch("");
  };

  return (
    <div className="flex flex-col gap-md">
      <div className="flex flex-wrap items-center justify-between gap-sm">
        <Freshness updatedAt={members.dataUpdatedAt} failing={members.isError} />
        <div className="ml-auto">
          <CreateMemberDialog />
        </div>
      </div>

      <search
        aria-label="Filter members"
        className="grid grid-cols-1 gap-sm sm:grid-cols-[repeat(2,minmax(0,12rem))_minmax(0,1fr)]"
      >
        <div className="flex flex-col gap-xs">
          <Label htmlFor={`${id}-role`}>Role</Label>
          <Select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as Role | "")}>
            <option value="">All roles</option>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {ROLE_LABEL[value]} ({roleCounts[value] ?? 0})
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-col gap-xs">
          <Label htmlFor={`${id}-status`}>Status</Label>
          <Select
            id={`${id}-status`}
            value={status}
            onChange={(event) => setStatus(event.target.value as MembershipStatus | "")}
          >
            <option value="">All statuses</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {MEMBERSHIP_STATUS_LABEL[value]} ({statusCounts[value] ?? 0})
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-col gap-xs">
          <Label htmlFor={`${id}-search`}>Search</Label>
          <Input
            id={`${id}-search`}
            type="search"
            placeholder="Name or email"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
      </search>

      <QueryBody query={members} loading="Loading members" rows={5}>
        {(data) => (
          <>
            <div className="flex min-h-8 flex-wrap items-center gap-sm text-sm text-muted-foreground">
              <p aria-live="polite">
                {filtered ? `${shown.length} of ${memberCount(all.length)} shown` : memberCount(all.length)}
              </p>
              {filtered ? (
                <Button variant="link" size="sm" className="h-auto px-0" onClick={clearFilters}>
                  Clear filters
                </Button>
              ) : null}
            </div>
            {!data.complete ? (
              <p className="rounded-md bg-muted p-sm text-sm text-foreground">
                Only the first {MEMBER_CAP} members are loaded; filters and search apply to those.
              </p>
            ) : null}
            {shown.length === 0 ? (
              <EmptyState title={filtered ? "No members match these filters" : "No members yet"}>
                {filtered ? (
                  <Button variant="outline" size="sm" onClick={clearFilters}>
                    Clear filters
                  </Button>
                ) : (
                  "Add the first member with “Add member”."
                )}
              </EmptyState>
            ) : (
              <div className="rounded-lg border border-border bg-surface">
                <div
                  aria-hidden="true"
                  className={`${MEMBER_GRID} hidden border-b border-border px-md py-sm text-xs font-semibold uppercase tracking-wide text-muted-foreground md:grid`}
                >
                  <span>Member</span>
                  <span>Role</span>
                  <span>Status</span>
                  <span className="text-right">Actions</span>
                </div>
                <ul aria-label="Members" className="divide-y divide-border">
                  {shown.map((member) => (
                    <MemberRow key={member.id} member={member} isSelf={member.id === selfId} />
                  ))}
                </ul>
              </div>
            )}
          </>
        )}
      </QueryBody>
    </div>
  );
}
