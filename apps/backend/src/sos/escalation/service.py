"""Escalation policies: create, read, replace, delete, and which one is the organization's default.

Writes take the organization lock, so the one-default rule and the one-policy-per-team rule hold under concurrency.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, NotFound, PreconditionFailed, Unprocessable
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.uow import UnitOfWork
from sos.escalation.domain import StopReason, TargetKind
from sos.escalation.events import policy_event
from sos.escalation.models import EscalationPolicy, EscalationTarget, EscalationTier
from sos.escalation.schemas import NearestRespondersTarget, PolicyIn, PolicyRead, Target, TierRead
from sos.escalation.state import stop_policy_escalations
from sos.organizations.service import lock_organization
from sos.schedules.models import OnCallSchedule
from sos.teams.models import Team
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership


def _not_found(policy_id: UUID) -> NotFound:
    return NotFound(f"No escalation policy {policy_id} in your organization.", resource="escalation_policy")


async def _fetch(uow: UnitOfWork, organization_id: UUID, policy_id: UUID) -> Any:
    row = (
        await uow.connection.execute(
            select(EscalationPolicy).where(
                EscalationPolicy.organization_id == organization_id, EscalationPolicy.id == policy_id
            )
        )
    ).first()
    if row is None:
        raise _not_found(policy_id)
    return row


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The escalation policy is at version {row.version}, not {expected_version}; reload it and retry.",
            current_version=row.version,
        )


def _target(row: Any) -> dict[str, Any]:
    kind = TargetKind(row.kind)
    if kind is TargetKind.NEAREST_RESPONDERS:
        return {
            "kind": kind,
            "count": row.nearest_count,
            "team_id": row.team_id,
            "skills": list(row.skills or []),
            "radius_km": row.radius_km,
        }
    return {"kind": kind, f"{kind.value}_id": getattr(row, f"{kind.value}_id")}


async def _tiers_of(uow: UnitOfWork, policy_ids: list[UUID]) -> dict[UUID, list[TierRead]]:
    if not policy_ids:
        return {}
    rows = await uow.connection.execute(
        select(EscalationTier.policy_id, EscalationTier.position, EscalationTier.delay_minutes, EscalationTarget)
        .outerjoin(EscalationTarget, EscalationTarget.tier_id == EscalationTier.id)
        .where(EscalationTier.policy_id.in_(policy_ids))
        .order_by(EscalationTier.policy_id, EscalationTier.position, EscalationTarget.position)
    )
    tiers: dict[UUID, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        tier = tiers[row.policy_id].setdefault(
            row.position, {"position": row.position, "delay_minutes": row.delay_minutes, "targets": []}
        )
        if row.kind is not None:
            tier["targets"].append(_target(row))
    return {
        policy_id: [TierRead.model_validate(tier) for tier in by_position.values()]
        for policy_id, by_position in tiers.items()
    }


def _read(row: Any, tiers: list[TierRead]) -> PolicyRead:
    return PolicyRead.model_validate(dict(row._mapping) | {"tiers": tiers})


async def list_policies(uow: UnitOfWork, principal: Principal, *, cursor: str | None, limit: int) -> Page[PolicyRead]:
    """In the order they were created."""
    query = select(EscalationPolicy).where(EscalationPolicy.organization_id == principal.organization_id)
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(EscalationPolicy.id > after)
    async with uow.read():
        rows = (await uow.connection.execute(query.order_by(EscalationPolicy.id).limit(limit + 1))).all()
        tiers = await _tiers_of(uow, [row.id for row in rows[:limit]])
    items = [_read(row, tiers.get(row.id, [])) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[PolicyRead](items=items, next_cursor=next_cursor)


async def get_policy(uow: UnitOfWork, principal: Principal, policy_id: UUID) -> PolicyRead:
    async with uow.read():
        row = await _fetch(uow, principal.organization_id, policy_id)
        tiers = await _tiers_of(uow, [policy_id])
    return _read(row, tiers.get(policy_id, []))


def _reference_error(detail: str, problems: list[dict[str, Any]]) -> Unprocessable:
    return Unprocessable(detail, code=ErrorCode.REFERENCE_NOT_FOUND, errors=problems)


def _problem(pointer: str, message: str) -> dict[str, Any]:
    return {"in": "body", "pointer": pointer, "type": "reference_not_found", "message": message}


async def _existing(
    uow: UnitOfWork, model: type[Team] | type[OnCallSchedule], organization_id: UUID, ids: set[UUID]
) -> set[UUID]:
    if not ids:
        return set()
    rows = await uow.connection.execute(
        select(model.id).where(model.organization_id == organization_id, model.id.in_(ids))
    )
    return set(rows.scalars())


async def _user_statuses(uow: UnitOfWork, organization_id: UUID, ids: set[UUID]) -> dict[UUID, tuple[Role, str]]:
    if not ids:
        return {}
    rows = await uow.connection.execute(
        select(Membership.user_id, Membership.role, Membership.status).where(
            Membership.organization_id == organization_id, Membership.user_id.in_(ids)
        )
    )
    return {row.user_id: (Role(row.role), MembershipStatus(row.status).value) for row in rows}


async def _require_references(uow: UnitOfWork, organization_id: UUID, data: PolicyIn) -> None:
    """Every target and the team exist in this organization; another tenant's ids look exactly like unknown ones."""
    targets: list[tuple[str, Target]] = [
        (f"#/tiers/{t}/targets/{n}", target)
        for t, tier in enumerate(data.tiers)
        for n, target in enumerate(tier.targets)
    ]
    team_ids = {
        target.reference
        for _, target in targets
        if target.kind in {TargetKind.TEAM, TargetKind.NEAREST_RESPONDERS} and target.reference is not None
    }
    if data.team_id is not None:
        team_ids.add(data.team_id)
    teams = await _existing(uow, Team, organization_id, team_ids)
    schedules = await _existing(
        uow, OnCallSchedule, organization_id, {t.reference for _, t in targets if t.kind is TargetKind.SCHEDULE}
    )
    users = await _user_statuses(uow, organization_id, {t.reference for _, t in targets if t.kind is TargetKind.USER})
    problems: list[dict[str, Any]] = []
    if data.team_id is not None and data.team_id not in teams:
        problems.append(_problem("#/team_id", "no such team in your organization"))
    for pointer, target in targets:
        field = f"{pointer}/{target.kind.value}_id"
        if target.kind is TargetKind.TEAM and target.reference not in teams:
            problems.append(_problem(field, "no such team in your organization"))
        elif target.kind is TargetKind.NEAREST_RESPONDERS and target.reference is not None:
            if target.reference not in teams:
                problems.append(_problem(f"{pointer}/team_id", "no such team in your organization"))
        elif target.kind is TargetKind.SCHEDULE and target.reference not in schedules:
            problems.append(_problem(field, "no such schedule in your organization"))
        elif target.kind is TargetKind.USER:
            problem = _user_problem(users.get(target.reference))
            if problem is not None:
                problems.append(_problem(field, problem))
    if problems:
        raise _reference_error("Some targets of the policy cannot be used: " + problems[0]["message"] + ".", problems)


def _user_problem(found: tuple[Role, str] | None) -> str | None:
    if found is None:
        return "no such user in your organization"
    role, status = found
    if status != MembershipStatus.ACTIVE.value:
        return f"the user is {status}; only active members can be escalated to"
    if role is Role.REPORTER:
        return "a reporter cannot be an escalation target"
    return None


async def _refuse_second_policy_for_team(
    uow: UnitOfWork, organization_id: UUID, team_id: UUID | None, *, policy_id: UUID | None
) -> None:
    if team_id is None:
        return
    query = select(EscalationPolicy.id).where(
        EscalationPolicy.organization_id == organization_id, EscalationPolicy.team_id == team_id
    )
    if policy_id is not None:
        query = query.where(EscalationPolicy.id != policy_id)
    if (await uow.connection.execute(query)).first() is not None:
        raise _team_taken(team_id)


def _team_taken(team_id: UUID | None) -> Conflict:
    return Conflict(
        f"Team {team_id} already has an escalation policy; edit that one instead.",
        code=ErrorCode.ALREADY_EXISTS,
        team_id=str(team_id),
    )


def _target_row(tier_id: UUID, position: int, target: Target) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": new_id(),
        "tier_id": tier_id,
        "position": position,
        "kind": target.kind,
        "user_id": target.reference if target.kind is TargetKind.USER else None,
        "team_id": target.reference if target.kind in {TargetKind.TEAM, TargetKind.NEAREST_RESPONDERS} else None,
        "schedule_id": target.reference if target.kind is TargetKind.SCHEDULE else None,
        "nearest_count": None,
        "skills": None,
        "radius_km": None,
    }
    if isinstance(target, NearestRespondersTarget):
        row |= {"nearest_count": target.count, "skills": target.skills, "radius_km": target.radius_km}
    return row


async def _write_tiers(uow: UnitOfWork, policy_id: UUID, data: PolicyIn) -> None:
    tiers: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for position, tier in enumerate(data.tiers):
        tier_id = new_id()
        tiers.append({"id": tier_id, "policy_id": policy_id, "position": position, "delay_minutes": tier.delay_minutes})
        targets += [_target_row(tier_id, n, target) for n, target in enumerate(tier.targets)]
    await uow.connection.execute(insert(EscalationTier), tiers)
    await uow.connection.execute(insert(EscalationTarget), targets)


async def _delete_tiers(uow: UnitOfWork, policy_id: UUID) -> None:
    tier_ids = select(EscalationTier.id).where(EscalationTier.policy_id == policy_id).scalar_subquery()
    await uow.connection.execute(delete(EscalationTarget).where(EscalationTarget.tier_id.in_(tier_ids)))
    await uow.connection.execute(delete(EscalationTier).where(EscalationTier.policy_id == policy_id))


async def _take_default_from_others(
    uow: UnitOfWork, principal: Principal, policy_id: UUID, now: Any
) -> list[DomainEvent]:
    """Clears the default flag of the organization's other policies; returns their ``updated`` events."""
    previous = (
        await uow.connection.execute(
            select(EscalationPolicy.id, EscalationPolicy.version).where(
                EscalationPolicy.organization_id == principal.organization_id,
                EscalationPolicy.is_default.is_(True),
                EscalationPolicy.id != policy_id,
            )
        )
    ).all()
    events = []
    for row in previous:
        await uow.connection.execute(
            update(EscalationPolicy)
            .where(EscalationPolicy.id == row.id)
            .values(is_default=False, version=row.version + 1, updated_at=now)
        )
        events.append(_event(principal, row.id, "updated", is_default=False, version=row.version + 1))
    return events


def _event(principal: Principal, policy_id: UUID, event_type: str, **payload: Any) -> DomainEvent:
    return policy_event(
        event_type,
        policy_id=policy_id,
        organization_id=principal.organization_id,
        actor_id=principal.user_id,
        **payload,
    )


def _described(data: PolicyIn, version: int) -> dict[str, Any]:
    return {
        "name": data.name,
        "team_id": data.team_id,
        "repeat_count": data.repeat_count,
        "is_default": data.is_default,
        "tier_count": len(data.tiers),
        "version": version,
    }


async def create_policy(uow: UnitOfWork, principal: Principal, data: PolicyIn) -> PolicyRead:
    now = utcnow()
    policy_id = new_id()
    values: dict[str, Any] = {
        "id": policy_id,
        "organization_id": principal.organization_id,
        "team_id": data.team_id,
        "name": data.name,
        "description": data.description,
        "repeat_count": data.repeat_count,
        "is_default": data.is_default,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    try:
        async with uow:
            await lock_organization(uow, principal.organization_id)
            await _require_references(uow, principal.organization_id, data)
            await _refuse_second_policy_for_team(uow, principal.organization_id, data.team_id, policy_id=None)
            await uow.connection.execute(insert(EscalationPolicy).values(values))
            await _write_tiers(uow, policy_id, data)
            if data.is_default:
                uow.record(*await _take_default_from_others(uow, principal, policy_id, now))
            uow.record(_event(principal, policy_id, "created", **_described(data, 1)))
            tiers = await _tiers_of(uow, [policy_id])
            await uow.commit()
    except IntegrityError as exc:
        if data.team_id is None:
            raise
        raise _team_taken(data.team_id) from exc
    return PolicyRead.model_validate(values | {"tiers": tiers[policy_id]})


async def replace_policy(
    uow: UnitOfWork, principal: Principal, policy_id: UUID, data: PolicyIn, *, expected_version: int | None
) -> PolicyRead:
    """Replaces everything about the policy; escalations running it carry on from where they are."""
    now = utcnow()
    try:
        async with uow:
            await lock_organization(uow, principal.organization_id)
            row = await _fetch(uow, principal.organization_id, policy_id)
            _check_version(row, expected_version)
            await _require_references(uow, principal.organization_id, data)
            await _refuse_second_policy_for_team(uow, principal.organization_id, data.team_id, policy_id=policy_id)
            version = row.version + 1
            changes = {
                "team_id": data.team_id,
                "name": data.name,
                "description": data.description,
                "repeat_count": data.repeat_count,
                "is_default": data.is_default,
                "updated_at": now,
                "version": version,
            }
            await uow.connection.execute(
                update(EscalationPolicy).where(EscalationPolicy.id == policy_id).values(changes)
            )
            await _delete_tiers(uow, policy_id)
            await _write_tiers(uow, policy_id, data)
            if data.is_default:
                uow.record(*await _take_default_from_others(uow, principal, policy_id, now))
            uow.record(_event(principal, policy_id, "updated", **_described(data, version)))
            tiers = await _tiers_of(uow, [policy_id])
            await uow.commit()
    except IntegrityError as exc:
        if data.team_id is None:
            raise
        raise _team_taken(data.team_id) from exc
    return PolicyRead.model_validate(dict(row._mapping) | changes | {"tiers": tiers[policy_id]})


async def delete_policy(
    uow: UnitOfWork, principal: Principal, policy_id: UUID, *, expected_version: int | None
) -> None:
    """Deletes the policy and stops the escalations that are running it."""
    async with uow:
        await lock_organization(uow, principal.organization_id)
        row = await _fetch(uow, principal.organization_id, policy_id)
        _check_version(row, expected_version)
        uow.record(*await stop_policy_escalations(uow, policy_id, StopReason.POLICY_DELETED, utcnow()))
        await _delete_tiers(uow, policy_id)
        await uow.connection.execute(delete(EscalationPolicy).where(EscalationPolicy.id == policy_id))
        uow.record(_event(principal, policy_id, "deleted", name=row.name, team_id=row.team_id))
        await uow.commit()


async def set_default(
    uow: UnitOfWork, principal: Principal, policy_id: UUID, *, default: bool, expected_version: int | None
) -> PolicyRead:
    """Makes the policy the organization's default (taking the flag from any other), or stops it being one."""
    now = utcnow()
    async with uow:
        await lock_organization(uow, principal.organization_id)
        row = await _fetch(uow, principal.organization_id, policy_id)
        _check_version(row, expected_version)
        changes: dict[str, Any] = {}
        if row.is_default != default:
            changes = {"is_default": default, "version": row.version + 1, "updated_at": now}
            await uow.connection.execute(
                update(EscalationPolicy).where(EscalationPolicy.id == policy_id).values(changes)
            )
            if default:
                uow.record(*await _take_default_from_others(uow, principal, policy_id, now))
            uow.record(_event(principal, policy_id, "updated", is_default=default, version=row.version + 1))
        tiers = await _tiers_of(uow, [policy_id])
        await uow.commit()
    return PolicyRead.model_validate(dict(row._mapping) | changes | {"tiers": tiers.get(policy_id, [])})
