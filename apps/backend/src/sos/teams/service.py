"""Teams: a hierarchy inside one organization, and the members of each team."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sos.alerts.domain import OPEN_STATUSES
from sos.alerts.models import Alert, AlertAssignment
from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, NotFound, PreconditionFailed, Unprocessable
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.uow import UnitOfWork
from sos.escalation.models import EscalationPolicy, EscalationTarget, EscalationTier
from sos.organizations.service import lock_organization
from sos.teams.domain import TeamRole
from sos.teams.events import team_event
from sos.teams.models import Team, TeamMember
from sos.teams.schemas import TeamCreate, TeamMemberRead, TeamRead, TeamUpdate
from sos.users.domain import MembershipStatus
from sos.users.models import Membership, User


def _not_found(team_id: UUID) -> NotFound:
    return NotFound(f"No team {team_id} in your organization.", resource="team", id=str(team_id))


async def _fetch(uow: UnitOfWork, organization_id: UUID, team_id: UUID, *, lock: bool = False) -> Any:
    query = select(Team).where(Team.organization_id == organization_id, Team.id == team_id)
    row = (await uow.connection.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise _not_found(team_id)
    return row


def _event(principal: Principal, team_id: UUID, event_type: str, **payload: Any) -> DomainEvent:
    return team_event(
        event_type, team_id=team_id, organization_id=principal.organization_id, actor_id=principal.user_id, **payload
    )


async def list_teams(
    uow: UnitOfWork, principal: Principal, *, parent_id: UUID | None, cursor: str | None, limit: int
) -> Page[TeamRead]:
    """In the order they were created."""
    query = select(Team).where(Team.organization_id == principal.organization_id)
    if parent_id is not None:
        query = query.where(Team.parent_id == parent_id)
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(Team.id > after)
    async with uow.read():
        rows = (await uow.connection.execute(query.order_by(Team.id).limit(limit + 1))).all()
    items = [TeamRead.model_validate(row._mapping) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[TeamRead](items=items, next_cursor=next_cursor)


async def get_team(uow: UnitOfWork, principal: Principal, team_id: UUID) -> TeamRead:
    async with uow.read():
        return TeamRead.model_validate((await _fetch(uow, principal.organization_id, team_id))._mapping)


def _duplicate_name(name: str) -> Conflict:
    return Conflict(f"A team named {name!r} already exists.", code=ErrorCode.ALREADY_EXISTS)


async def _refuse_duplicate_name(uow: UnitOfWork, organization_id: UUID, name: str, *, team_id: UUID | None) -> None:
    query = select(Team.id).where(Team.organization_id == organization_id, func.lower(Team.name) == name.lower())
    if team_id is not None:
        query = query.where(Team.id != team_id)
    if (await uow.connection.execute(query)).first() is not None:
        raise _duplicate_name(name)


async def _require_parent(uow: UnitOfWork, organization_id: UUID, parent_id: UUID) -> None:
    found = await uow.connection.execute(
        select(Team.id).where(Team.organization_id == organization_id, Team.id == parent_id)
    )
    if found.first() is None:
        raise Unprocessable(
            f"No team {parent_id} in your organization can be the parent.",
            code=ErrorCode.REFERENCE_NOT_FOUND,
            errors=[{"in": "body", "pointer": "#/parent_id", "type": "reference_not_found", "message": "no such team"}],
        )


async def _refuse_cycle(uow: UnitOfWork, organization_id: UUID, team_id: UUID, parent_id: UUID) -> None:
    """Walks up from the new parent; meeting the team itself means the move would close a loop."""
    rows = await uow.connection.execute(select(Team.id, Team.parent_id).where(Team.organization_id == organization_id))
    parents: dict[UUID, UUID | None] = {row.id: row.parent_id for row in rows}
    current: UUID | None = parent_id
    seen: set[UUID] = set()
    while current is not None and current not in seen:
        if current == team_id:
            raise Conflict(
                "A team cannot sit below itself or one of its own sub-teams.",
                code=ErrorCode.TEAM_CYCLE,
                parent_id=str(parent_id),
            )
        seen.add(current)
        current = parents.get(current)


async def create_team(uow: UnitOfWork, principal: Principal, data: TeamCreate) -> TeamRead:
    now = utcnow()
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": principal.organization_id,
        "parent_id": data.parent_id,
        "name": data.name,
        "description": data.description,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    try:
        async with uow:
            await lock_organization(uow, principal.organization_id)
            await _refuse_duplicate_name(uow, principal.organization_id, data.name, team_id=None)
            if data.parent_id is not None:
                await _require_parent(uow, principal.organization_id, data.parent_id)
            await uow.connection.execute(insert(Team).values(values))
            uow.record(_event(principal, values["id"], "created", name=data.name, parent_id=data.parent_id))
            await uow.commit()
    except IntegrityError as exc:
        raise _duplicate_name(data.name) from exc
    return TeamRead.model_validate(values)


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The team is at version {row.version}, not {expected_version}; reload it and retry.",
            current_version=row.version,
        )


async def update_team(
    uow: UnitOfWork, principal: Principal, team_id: UUID, data: TeamUpdate, *, expected_version: int | None
) -> TeamRead:
    try:
        async with uow:
            await lock_organization(uow, principal.organization_id)
            row = await _fetch(uow, principal.organization_id, team_id)
            _check_version(row, expected_version)
            wanted = data.model_dump(exclude_unset=True)
            changes = {name: value for name, value in wanted.items() if value != getattr(row, name)}
            if not changes:
                return TeamRead.model_validate(row._mapping)
            if "name" in changes:
                await _refuse_duplicate_name(uow, principal.organization_id, changes["name"], team_id=team_id)
            if changes.get("parent_id") is not None:
                await _require_parent(uow, principal.organization_id, changes["parent_id"])
                await _refuse_cycle(uow, principal.organization_id, team_id, changes["parent_id"])
            event_fields = dict(changes)
            changes |= {"version": row.version + 1, "updated_at": utcnow()}
            await uow.connection.execute(update(Team).where(Team.id == team_id).values(changes))
            uow.record(_event(principal, team_id, "updated", version=row.version + 1, **event_fields))
            await uow.commit()
    except IntegrityError as exc:
        raise _duplicate_name(str(data.name)) from exc
    return TeamRead.model_validate(dict(row._mapping) | changes)


async def _refuse_open_assignments(uow: UnitOfWork, team_id: UUID) -> None:
    """Deleting a team would silently take it off the alerts it is working on."""
    open_alerts = (
        await uow.connection.execute(
            select(func.count())
            .select_from(AlertAssignment)
            .join(Alert, Alert.id == AlertAssignment.alert_id)
            .where(AlertAssignment.team_id == team_id, Alert.status.in_(OPEN_STATUSES))
        )
    ).scalar_one()
    if open_alerts:
        raise Conflict(
            f"The team is assigned to {open_alerts} open alert(s); reassign them first.",
            code=ErrorCode.TEAM_NOT_EMPTY,
            open_alerts=open_alerts,
        )


async def _refuse_policy_targets(uow: UnitOfWork, team_id: UUID) -> None:
    """Deleting a team an escalation policy pages would leave that tier paging nobody."""
    policy = (
        await uow.connection.execute(
            select(EscalationPolicy.id, EscalationPolicy.name)
            .join(EscalationTier, EscalationTier.policy_id == EscalationPolicy.id)
            .join(EscalationTarget, EscalationTarget.tier_id == EscalationTier.id)
            .where(EscalationTarget.team_id == team_id)
            .order_by(EscalationPolicy.name)
            .limit(1)
        )
    ).first()
    if policy is not None:
        raise Conflict(
            f"The team is used by escalation policy '{policy.name}'; remove it from the policy first.",
            code=ErrorCode.IN_USE,
            policy_id=str(policy.id),
        )


async def delete_team(uow: UnitOfWork, principal: Principal, team_id: UUID, *, expected_version: int | None) -> None:
    """Deletes a team without sub-teams; its memberships go with it."""
    async with uow:
        await lock_organization(uow, principal.organization_id)
        # Locked before the checks: an assignment of this team in flight either commits first and is seen, or waits.
        row = await _fetch(uow, principal.organization_id, team_id, lock=True)
        _check_version(row, expected_version)
        children = await uow.connection.execute(select(func.count()).select_from(Team).where(Team.parent_id == team_id))
        count = children.scalar_one()
        if count:
            raise Conflict(
                f"The team still has {count} sub-team(s); move or delete them first.",
                code=ErrorCode.TEAM_NOT_EMPTY,
                sub_teams=count,
            )
        await _refuse_open_assignments(uow, team_id)
        await _refuse_policy_targets(uow, team_id)
        await uow.connection.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
        await uow.connection.execute(delete(Team).where(Team.id == team_id))
        uow.record(_event(principal, team_id, "deleted", name=row.name))
        await uow.commit()


def _members() -> Select[*tuple[Any, ...]]:
    return select(
        TeamMember.team_id, TeamMember.user_id, TeamMember.role, User.full_name, User.email, TeamMember.added_at
    ).join(User, User.id == TeamMember.user_id)


async def list_members(uow: UnitOfWork, principal: Principal, team_id: UUID) -> list[TeamMemberRead]:
    """Leads first, then by name."""
    async with uow.read():
        await _fetch(uow, principal.organization_id, team_id)
        rows = await uow.connection.execute(
            _members()
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.role == TeamRole.MEMBER, User.full_name, TeamMember.user_id)
        )
        return [TeamMemberRead.model_validate(row._mapping) for row in rows]


async def _require_active_member(uow: UnitOfWork, organization_id: UUID, user_id: UUID) -> None:
    status = (
        await uow.connection.execute(
            select(Membership.status).where(
                Membership.organization_id == organization_id, Membership.user_id == user_id
            )
        )
    ).scalar()
    if status is None:
        raise NotFound(f"No member {user_id} in your organization.", resource="user", id=str(user_id))
    if MembershipStatus(status) is not MembershipStatus.ACTIVE:
        raise Unprocessable(
            f"User {user_id} is {MembershipStatus(status).value}; only active members join teams.",
            code=ErrorCode.REFERENCE_NOT_FOUND,
        )


async def put_member(
    uow: UnitOfWork, principal: Principal, team_id: UUID, user_id: UUID, role: TeamRole
) -> tuple[TeamMemberRead, bool]:
    """Adds the user to the team or changes their role in it; returns ``(member, created)``."""
    try:
        return await _put_member(uow, principal, team_id, user_id, role)
    except IntegrityError:
        # A concurrent request added the same member; now it is a role change.
        return await _put_member(uow, principal, team_id, user_id, role)


async def _put_member(
    uow: UnitOfWork, principal: Principal, team_id: UUID, user_id: UUID, role: TeamRole
) -> tuple[TeamMemberRead, bool]:
    async with uow:
        await _fetch(uow, principal.organization_id, team_id)
        await _require_active_member(uow, principal.organization_id, user_id)
        mine = (TeamMember.team_id == team_id) & (TeamMember.user_id == user_id)
        current = (await uow.connection.execute(select(TeamMember.role).where(mine))).scalar()
        if current is None:
            await uow.connection.execute(
                insert(TeamMember).values(
                    team_id=team_id,
                    user_id=user_id,
                    organization_id=principal.organization_id,
                    role=role,
                    added_at=utcnow(),
                )
            )
            uow.record(_event(principal, team_id, "member_added", user_id=user_id, role=role.value))
        elif TeamRole(current) is not role:
            await uow.connection.execute(update(TeamMember).where(mine).values(role=role))
            uow.record(
                _event(
                    principal, team_id, "member_role_changed", user_id=user_id, role=role.value, previous=current.value
                )
            )
        member = (await uow.connection.execute(_members().where(mine))).one()
        await uow.commit()
    return TeamMemberRead.model_validate(member._mapping), current is None


async def remove_member(uow: UnitOfWork, principal: Principal, team_id: UUID, user_id: UUID) -> None:
    async with uow:
        await _fetch(uow, principal.organization_id, team_id)
        result = await uow.connection.execute(
            delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
        )
        if result.rowcount != 1:
            raise NotFound(f"User {user_id} is not in this team.", resource="team_member", id=str(user_id))
        uow.record(_event(principal, team_id, "member_removed", user_id=user_id))
        await uow.commit()
