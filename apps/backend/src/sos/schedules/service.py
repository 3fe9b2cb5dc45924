"""On-call schedules: layers, overrides and swaps, who is on call, and calendar feeds."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, Forbidden, NotFound, PreconditionFailed, Unprocessable
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.security import hash_opaque_token, new_opaque_token
from sos.core.uow import UnitOfWork
from sos.escalation.models import EscalationPolicy, EscalationTarget, EscalationTier
from sos.schedules import ical
from sos.schedules.domain import (
    LONGEST_RESOLUTION,
    MAX_RESOLVED_SHIFTS,
    MAX_WINDOW,
    WEEKDAYS,
    Layer,
    Override,
    OverrideKind,
    Restriction,
    RotationKind,
    Schedule,
    Shift,
    ShiftBudget,
    TooManyShifts,
    covers_entirely,
    on_call_at,
    overlapping_layers,
    shift_load,
    shifts_between,
)
from sos.schedules.events import schedule_event
from sos.schedules.models import LayerMember, OnCallFeedToken, OnCallSchedule, ScheduleLayer, ScheduleOverride
from sos.schedules.schemas import (
    LayerIn,
    LayerRead,
    OnCallRead,
    OverrideIn,
    OverrideRead,
    RestrictionRead,
    ScheduleIn,
    ScheduleRead,
    ShiftRead,
    ShiftsRead,
    SwapIn,
)
from sos.teams.models import Team
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

ON_CALL_CONTEXT = timedelta(days=35)
FEED_PADDING = timedelta(days=29)
USER_FEED_SHIFTS = 4 * MAX_RESOLVED_SHIFTS
_INSTANT = timedelta(microseconds=1)


# --- loading -------------------------------------------------------------------------------------------------------


def _not_found(schedule_id: UUID) -> NotFound:
    return NotFound(f"No schedule {schedule_id} in your organization.", resource="schedule", id=str(schedule_id))


async def _schedule_row(
    connection: AsyncConnection, organization_id: UUID, schedule_id: UUID, *, lock: bool = False
) -> Any:
    query = select(OnCallSchedule).where(
        OnCallSchedule.organization_id == organization_id, OnCallSchedule.id == schedule_id
    )
    return (await connection.execute(query.with_for_update() if lock else query)).first()


async def _require_schedule(uow: UnitOfWork, organization_id: UUID, schedule_id: UUID, *, lock: bool = False) -> Any:
    row = await _schedule_row(uow.connection, organization_id, schedule_id, lock=lock)
    if row is None:
        raise _not_found(schedule_id)
    return row


async def _layer_rows(connection: AsyncConnection, schedule_ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
    """Each schedule's layers in position order, each row paired with its members in rotation order."""
    if not schedule_ids:
        return {}
    layers = (
        await connection.execute(
            select(ScheduleLayer)
            .where(ScheduleLayer.schedule_id.in_(schedule_ids))
            .order_by(ScheduleLayer.schedule_id, ScheduleLayer.position)
        )
    ).all()
    members: dict[UUID, list[UUID]] = defaultdict(list)
    if layers:
        rows = await connection.execute(
            select(LayerMember.layer_id, LayerMember.user_id)
            .where(LayerMember.layer_id.in_([layer.id for layer in layers]))
            .order_by(LayerMember.layer_id, LayerMember.position)
        )
        for row in rows:
            members[row.layer_id].append(row.user_id)
    grouped: dict[UUID, list[Any]] = defaultdict(list)
    for layer in layers:
        grouped[layer.schedule_id].append((layer, members[layer.id]))
    return grouped


def _restriction(raw: dict[str, Any]) -> Restriction:
    return Restriction(
        weekdays=frozenset(WEEKDAYS.index(day) for day in raw["weekdays"]),
        start=time.fromisoformat(raw["start"]),
        end=time.fromisoformat(raw["end"]),
    )


def _domain_layer(row: Any, members: Sequence[UUID]) -> Layer:
    return Layer(
        id=row.id,
        priority=row.priority,
        rotation=RotationKind(row.rotation),
        members=tuple(members),
        starts_at=row.starts_at,
        handoff_time=row.handoff_time,
        handoff_weekday=row.handoff_weekday,
        shift_length_hours=row.shift_length_hours,
        ends_at=row.ends_at,
        restrictions=tuple(_restriction(raw) for raw in row.restrictions or ()),
        position=row.position,
    )


def _domain_override(row: Any) -> Override:
    return Override(
        id=row.id,
        user_id=row.user_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        kind=OverrideKind(row.kind),
        swap_of_user_id=row.swap_of_user_id,
    )


async def _domain_schedules(
    connection: AsyncConnection, rows: Sequence[Any], start: datetime, end: datetime
) -> dict[UUID, Schedule]:
    """The resolvable schedules of ``rows``, with the overrides that touch ``[start, end)``."""
    ids = [row.id for row in rows]
    layers = await _layer_rows(connection, ids)
    overrides: dict[UUID, list[Override]] = defaultdict(list)
    if ids:
        found = await connection.execute(
            select(ScheduleOverride).where(
                ScheduleOverride.schedule_id.in_(ids),
                ScheduleOverride.starts_at < end,
                ScheduleOverride.ends_at > start,
            )
        )
        for override in found:
            overrides[override.schedule_id].append(_domain_override(override))
    return {
        row.id: Schedule(
            zone=ZoneInfo(row.time_zone),
            layers=tuple(_domain_layer(layer, members) for layer, members in layers[row.id]),
            overrides=tuple(overrides[row.id]),
        )
        for row in rows
    }


async def _resolvable(
    connection: AsyncConnection, organization_id: UUID, schedule_id: UUID, start: datetime, end: datetime
) -> Schedule | None:
    row = await _schedule_row(connection, organization_id, schedule_id)
    if row is None:
        return None
    return (await _domain_schedules(connection, [row], start, end))[row.id]


async def _active_roles(
    connection: AsyncConnection, organization_id: UUID, user_ids: Iterable[UUID]
) -> dict[UUID, Role]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = await connection.execute(
        select(Membership.user_id, Membership.role).where(
            Membership.organization_id == organization_id,
            Membership.user_id.in_(wanted),
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    return {row.user_id: Role(row.role) for row in rows}


async def _active_members(connection: AsyncConnection, organization_id: UUID, user_ids: Iterable[UUID]) -> set[UUID]:
    return set(await _active_roles(connection, organization_id, user_ids))


def _on_call_problem(user_id: UUID, roles: dict[UUID, Role]) -> tuple[str, str] | None:
    """Why ``user_id`` cannot be put on call (the error type and message), or ``None`` when they can."""
    if user_id not in roles:
        return "reference_not_found", f"No active member {user_id} in your organization."
    if roles[user_id] is Role.REPORTER:
        return "reporter_not_on_call", f"Member {user_id} is a reporter; reporters cannot be put on call."
    return None


async def on_call_user_ids(
    connection: AsyncConnection, organization_id: UUID, schedule_id: UUID, at: datetime
) -> list[UUID]:
    """The users on call at the UTC instant ``at``; empty when nobody is, or the schedule is not in the organization.

    A member deactivated (or made a reporter) since they were put on the schedule is left out, so nobody pages
    someone who has left.
    """
    schedule = await _resolvable(connection, organization_id, schedule_id, at, at + _INSTANT)
    shift = on_call_at(schedule, at) if schedule is not None else None
    if shift is None:
        return []
    roles = await _active_roles(connection, organization_id, [shift.user_id])
    return [] if _on_call_problem(shift.user_id, roles) else [shift.user_id]


# --- reading -------------------------------------------------------------------------------------------------------


def _layer_read(row: Any, members: Sequence[UUID]) -> LayerRead:
    return LayerRead(
        id=row.id,
        name=row.name,
        priority=row.priority,
        rotation=row.rotation,
        members=list(members),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        handoff_time=None if row.rotation == RotationKind.CUSTOM else row.handoff_time,
        handoff_weekday=None if row.handoff_weekday is None else WEEKDAYS[row.handoff_weekday],
        shift_length_hours=row.shift_length_hours,
        restrictions=[RestrictionRead.model_validate(raw) for raw in row.restrictions or ()],
    )


def _schedule_read(row: Any, layers: Iterable[Any]) -> ScheduleRead:
    return ScheduleRead.model_validate(
        dict(row._mapping) | {"layers": [_layer_read(layer, members) for layer, members in layers]}
    )


async def list_schedules(
    uow: UnitOfWork, principal: Principal, *, cursor: str | None, limit: int
) -> Page[ScheduleRead]:
    """In the order they were created."""
    query = select(OnCallSchedule).where(OnCallSchedule.organization_id == principal.organization_id)
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(OnCallSchedule.id > after)
    async with uow.read():
        rows = (await uow.connection.execute(query.order_by(OnCallSchedule.id).limit(limit + 1))).all()
        page = rows[:limit]
        layers = await _layer_rows(uow.connection, [row.id for row in page])
    items = [_schedule_read(row, layers[row.id]) for row in page]
    return Page[ScheduleRead](items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


async def get_schedule(uow: UnitOfWork, principal: Principal, schedule_id: UUID) -> ScheduleRead:
    async with uow.read():
        row = await _require_schedule(uow, principal.organization_id, schedule_id)
        layers = await _layer_rows(uow.connection, [row.id])
    return _schedule_read(row, layers[row.id])


def _too_many_shifts(exc: TooManyShifts, location: str, pointer: str, hint: str) -> Unprocessable:
    message = f"Resolving this takes more than {exc.limit} shifts; {hint}."
    return Unprocessable(
        message, errors=[{"in": location, "pointer": pointer, "type": "too_many_shifts", "message": message}]
    )


async def _resolve(
    schedule: Schedule,
    start: datetime,
    end: datetime,
    *,
    location: str = "query",
    pointer: str = "#/end",
    hint: str = "ask for a shorter window",
    budget: ShiftBudget | None = None,
) -> list[Shift]:
    """``shifts_between`` on a worker thread, as it is pure CPU; a 422 at ``pointer`` when it exceeds its budget."""
    try:
        return await asyncio.to_thread(shifts_between, schedule, start, end, budget)
    except TooManyShifts as exc:
        raise _too_many_shifts(exc, location, pointer, hint) from exc


def _shift_read(shift: Shift) -> ShiftRead:
    return ShiftRead.model_validate(shift, from_attributes=True)


async def who_is_on_call(uow: UnitOfWork, principal: Principal, schedule_id: UUID, at: datetime) -> OnCallRead:
    async with uow.read():
        start, end = at - ON_CALL_CONTEXT, at + ON_CALL_CONTEXT
        schedule = await _resolvable(uow.connection, principal.organization_id, schedule_id, start, end)
    if schedule is None:
        raise _not_found(schedule_id)
    shifts = await _resolve(schedule, start, end, pointer="#/at", hint="the schedule has too many overrides")
    running = next((s for s in shifts if s.starts_at <= at < s.ends_at), None)
    return OnCallRead(
        schedule_id=schedule_id,
        at=at,
        user_ids=[running.user_id] if running else [],
        shift=_shift_read(running) if running else None,
    )


def _window_problem(message: str, pointer: str) -> Unprocessable:
    return Unprocessable(
        message, errors=[{"in": "query", "pointer": pointer, "type": "invalid_window", "message": message}]
    )


def check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise _window_problem("end must be after start.", "#/end")
    if end - start > MAX_WINDOW:
        raise _window_problem(f"The window spans at most {MAX_WINDOW.days} days.", "#/end")


async def list_shifts(
    uow: UnitOfWork, principal: Principal, schedule_id: UUID, start: datetime, end: datetime
) -> ShiftsRead:
    check_window(start, end)
    async with uow.read():
        schedule = await _resolvable(uow.connection, principal.organization_id, schedule_id, start, end)
    if schedule is None:
        raise _not_found(schedule_id)
    shifts = [_shift_read(shift) for shift in await _resolve(schedule, start, end)]
    return ShiftsRead(schedule_id=schedule_id, start=start, end=end, shifts=shifts)


# --- writing schedules ---------------------------------------------------------------------------------------------


def _event(principal: Principal, schedule_id: UUID, event_type: str, **payload: Any) -> DomainEvent:
    return schedule_event(
        event_type,
        schedule_id=schedule_id,
        organization_id=principal.organization_id,
        actor_id=principal.user_id,
        **payload,
    )


def _invalid(pointer: str, kind: str, message: str) -> Unprocessable:
    return Unprocessable(
        message,
        code=ErrorCode.REFERENCE_NOT_FOUND if kind == "reference_not_found" else ErrorCode.VALIDATION_FAILED,
        errors=[{"in": "body", "pointer": pointer, "type": kind, "message": message}],
    )


async def _require_on_call_member(uow: UnitOfWork, organization_id: UUID, user_id: UUID, pointer: str) -> None:
    problem = _on_call_problem(user_id, await _active_roles(uow.connection, organization_id, [user_id]))
    if problem is not None:
        raise _invalid(pointer, *problem)


def _input_layer(index: int, layer: LayerIn) -> Layer:
    weekday = layer.handoff_weekday or WEEKDAYS[layer.starts_at.weekday()]
    return Layer(
        id=UUID(int=index),
        priority=layer.priority,
        rotation=layer.rotation,
        members=tuple(layer.members),
        starts_at=layer.starts_at,
        handoff_time=layer.handoff_time or layer.starts_at.time(),
        handoff_weekday=WEEKDAYS.index(weekday) if layer.rotation is RotationKind.WEEKLY else None,
        shift_length_hours=layer.shift_length_hours,
        ends_at=layer.ends_at,
        restrictions=tuple(
            Restriction(frozenset(WEEKDAYS.index(day) for day in r.weekdays), r.start, r.end)
            for r in layer.restrictions
        ),
        position=index,
    )


async def _validate(uow: UnitOfWork, organization_id: UUID, data: ScheduleIn) -> list[Layer]:
    """Checks what the schema cannot: references inside the tenant and layers that would tie."""
    if data.team_id is not None:
        team = await uow.connection.execute(
            select(Team.id).where(Team.organization_id == organization_id, Team.id == data.team_id)
        )
        if team.first() is None:
            raise _invalid("#/team_id", "reference_not_found", f"No team {data.team_id} in your organization.")
    roles = await _active_roles(uow.connection, organization_id, (m for layer in data.layers for m in layer.members))
    for i, layer in enumerate(data.layers):
        for j, member in enumerate(layer.members):
            problem = _on_call_problem(member, roles)
            if problem is not None:
                raise _invalid(f"#/layers/{i}/members/{j}", *problem)
    layers = [_input_layer(i, layer) for i, layer in enumerate(data.layers)]
    _check_load(layers)
    clash = overlapping_layers(layers)
    if clash is not None:
        first, second = clash
        raise _invalid(
            f"#/layers/{second}",
            "overlapping_layers",
            f"Overlapping layers without priority: layers {first} and {second} have the same priority and their "
            "coverage overlaps; give one a higher priority or make their times disjoint.",
        )
    return layers


def _check_load(layers: Sequence[Layer]) -> None:
    """Refuses layers that could generate more shifts than one resolution of the longest window may."""
    load = sum(shift_load(layer) for layer in layers)
    if load > MAX_RESOLVED_SHIFTS:
        raise _invalid(
            "#/layers",
            "too_many_shifts",
            f"These layers hand off too often: they could make {load} shifts in {LONGEST_RESOLUTION.days} days, "
            f"more than the {MAX_RESOLVED_SHIFTS} allowed; use longer shifts, fewer layers or fewer restrictions.",
        )


def _restriction_json(layer: LayerIn) -> list[dict[str, Any]]:
    return [
        {"weekdays": list(r.weekdays), "start": r.start.isoformat(), "end": r.end.isoformat()}
        for r in layer.restrictions
    ]


async def _insert_layers(uow: UnitOfWork, schedule_id: UUID, data: ScheduleIn, layers: Sequence[Layer]) -> None:
    for position, (given, layer) in enumerate(zip(data.layers, layers, strict=True)):
        layer_id = new_id()
        await uow.connection.execute(
            insert(ScheduleLayer).values(
                id=layer_id,
                schedule_id=schedule_id,
                position=position,
                name=given.name,
                priority=layer.priority,
                rotation=layer.rotation,
                shift_length_hours=layer.shift_length_hours,
                handoff_time=layer.handoff_time,
                handoff_weekday=layer.handoff_weekday,
                starts_at=layer.starts_at,
                ends_at=layer.ends_at,
                restrictions=_restriction_json(given),
            )
        )
        await uow.connection.execute(
            insert(LayerMember),
            [{"layer_id": layer_id, "position": i, "user_id": user_id} for i, user_id in enumerate(layer.members)],
        )


def _duplicate_name(name: str) -> Conflict:
    return Conflict(f"A schedule named {name!r} already exists.", code=ErrorCode.ALREADY_EXISTS)


async def _refuse_duplicate_name(uow: UnitOfWork, organization_id: UUID, name: str, schedule_id: UUID | None) -> None:
    query = select(OnCallSchedule.id).where(
        OnCallSchedule.organization_id == organization_id, func.lower(OnCallSchedule.name) == name.lower()
    )
    if schedule_id is not None:
        query = query.where(OnCallSchedule.id != schedule_id)
    if (await uow.connection.execute(query)).first() is not None:
        raise _duplicate_name(name)


def _summary(data: ScheduleIn) -> dict[str, Any]:
    return {"name": data.name, "time_zone": data.time_zone, "team_id": data.team_id, "layer_count": len(data.layers)}


async def create_schedule(uow: UnitOfWork, principal: Principal, data: ScheduleIn) -> ScheduleRead:
    schedule_id = new_id()
    try:
        async with uow:
            await _refuse_duplicate_name(uow, principal.organization_id, data.name, None)
            layers = await _validate(uow, principal.organization_id, data)
            now = utcnow()
            await uow.connection.execute(
                insert(OnCallSchedule).values(
                    id=schedule_id,
                    organization_id=principal.organization_id,
                    name=data.name,
                    description=data.description,
                    time_zone=data.time_zone,
                    team_id=data.team_id,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            await _insert_layers(uow, schedule_id, data, layers)
            uow.record(_event(principal, schedule_id, "created", **_summary(data)))
            await uow.commit()
    except IntegrityError as exc:
        raise _duplicate_name(data.name) from exc
    return await get_schedule(uow, principal, schedule_id)


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The schedule is at version {row.version}, not {expected_version}; reload it and retry.",
            current_version=row.version,
        )


async def replace_schedule(
    uow: UnitOfWork, principal: Principal, schedule_id: UUID, data: ScheduleIn, *, expected_version: int | None
) -> ScheduleRead:
    """Replaces the schedule's fields and all of its layers; overrides stay."""
    try:
        async with uow:
            row = await _require_schedule(uow, principal.organization_id, schedule_id, lock=True)
            _check_version(row, expected_version)
            await _refuse_duplicate_name(uow, principal.organization_id, data.name, schedule_id)
            layers = await _validate(uow, principal.organization_id, data)
            await uow.connection.execute(delete(ScheduleLayer).where(ScheduleLayer.schedule_id == schedule_id))
            await uow.connection.execute(
                update(OnCallSchedule)
                .where(OnCallSchedule.id == schedule_id)
                .values(
                    name=data.name,
                    description=data.description,
                    time_zone=data.time_zone,
                    team_id=data.team_id,
                    version=row.version + 1,
                    updated_at=utcnow(),
                )
            )
            await _insert_layers(uow, schedule_id, data, layers)
            uow.record(_event(principal, schedule_id, "updated", version=row.version + 1, **_summary(data)))
            await uow.commit()
    except IntegrityError as exc:
        raise _duplicate_name(data.name) from exc
    return await get_schedule(uow, principal, schedule_id)


async def _refuse_if_escalated_to(uow: UnitOfWork, organization_id: UUID, schedule_id: UUID) -> None:
    """A schedule an escalation policy still pages is not deleted from under it."""
    policy = (
        await uow.connection.execute(
            select(EscalationPolicy.id, EscalationPolicy.name)
            .join(EscalationTier, EscalationTier.policy_id == EscalationPolicy.id)
            .join(EscalationTarget, EscalationTarget.tier_id == EscalationTier.id)
            .where(EscalationPolicy.organization_id == organization_id, EscalationTarget.schedule_id == schedule_id)
            .order_by(EscalationPolicy.name)
            .limit(1)
        )
    ).first()
    if policy is not None:
        raise Conflict(
            f"The schedule is used by escalation policy {policy.name!r}; remove it from the policy first.",
            code=ErrorCode.IN_USE,
            policy_id=str(policy.id),
        )


async def delete_schedule(
    uow: UnitOfWork, principal: Principal, schedule_id: UUID, *, expected_version: int | None
) -> None:
    async with uow:
        row = await _require_schedule(uow, principal.organization_id, schedule_id, lock=True)
        _check_version(row, expected_version)
        await _refuse_if_escalated_to(uow, principal.organization_id, schedule_id)
        await uow.connection.execute(delete(OnCallSchedule).where(OnCallSchedule.id == schedule_id))
        uow.record(_event(principal, schedule_id, "deleted", name=row.name))
        await uow.commit()


# --- overrides and swaps -------------------------------------------------------------------------------------------


def _override_read(row: Any) -> OverrideRead:
    return OverrideRead.model_validate(row._mapping)


async def list_overrides(
    uow: UnitOfWork, principal: Principal, schedule_id: UUID, *, ending_after: datetime | None
) -> list[OverrideRead]:
    """By start; with ``ending_after``, only those still running or to come at that instant."""
    query = select(ScheduleOverride).where(
        ScheduleOverride.organization_id == principal.organization_id, ScheduleOverride.schedule_id == schedule_id
    )
    if ending_after is not None:
        query = query.where(ScheduleOverride.ends_at > ending_after)
    async with uow.read():
        await _require_schedule(uow, principal.organization_id, schedule_id)
        rows = await uow.connection.execute(query.order_by(ScheduleOverride.starts_at, ScheduleOverride.id).limit(500))
        return [_override_read(row) for row in rows]


async def _insert_override(
    uow: UnitOfWork,
    principal: Principal,
    schedule_id: UUID,
    data: OverrideIn,
    kind: OverrideKind,
    swap_of_user_id: UUID | None,
) -> OverrideRead:
    values = {
        "id": new_id(),
        "schedule_id": schedule_id,
        "organization_id": principal.organization_id,
        "kind": kind,
        "user_id": data.user_id,
        "swap_of_user_id": swap_of_user_id,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "created_by": principal.user_id,
        "created_at": utcnow(),
    }
    await uow.connection.execute(insert(ScheduleOverride).values(values))
    uow.record(
        _event(
            principal,
            schedule_id,
            "override_created",
            override_id=values["id"],
            kind=kind.value,
            user_id=data.user_id,
            swap_of_user_id=swap_of_user_id,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
        )
    )
    return OverrideRead.model_validate(values)


async def create_override(uow: UnitOfWork, principal: Principal, schedule_id: UUID, data: OverrideIn) -> OverrideRead:
    async with uow:
        await _require_schedule(uow, principal.organization_id, schedule_id, lock=True)
        await _require_on_call_member(uow, principal.organization_id, data.user_id, "#/user_id")
        created = await _insert_override(uow, principal, schedule_id, data, OverrideKind.OVERRIDE, None)
        await uow.commit()
    return created


async def create_swap(uow: UnitOfWork, principal: Principal, schedule_id: UUID, data: SwapIn) -> OverrideRead:
    """Hands a window of someone's on-call time to another member; staff may swap anyone's, others their own."""
    giver = data.swap_of_user_id or principal.user_id
    async with uow:
        await _require_schedule(uow, principal.organization_id, schedule_id, lock=True)
        if giver != principal.user_id and not principal.is_staff:
            raise Forbidden("Only staff may hand over someone else's shift.")
        await _require_on_call_member(uow, principal.organization_id, data.user_id, "#/user_id")
        if data.user_id == giver:
            raise _invalid("#/user_id", "same_user", "A swap hands the shift to somebody else.")
        schedule = await _resolvable(
            uow.connection, principal.organization_id, schedule_id, data.starts_at, data.ends_at
        )
        assert schedule is not None  # noqa: S101 - locked above
        shifts = await _resolve(
            schedule, data.starts_at, data.ends_at, location="body", pointer="#/ends_at", hint="swap a shorter window"
        )
        if not covers_entirely(shifts, giver, data.starts_at, data.ends_at):
            raise _invalid(
                "#/swap_of_user_id" if data.swap_of_user_id else "#/starts_at",
                "not_on_call",
                f"User {giver} is not on call for the whole window, so there is nothing of theirs to swap.",
            )
        created = await _insert_override(uow, principal, schedule_id, data, OverrideKind.SWAP, giver)
        await uow.commit()
    return created


async def delete_override(uow: UnitOfWork, principal: Principal, schedule_id: UUID, override_id: UUID) -> None:
    async with uow:
        await _require_schedule(uow, principal.organization_id, schedule_id, lock=True)
        row = (
            await uow.connection.execute(
                select(ScheduleOverride).where(
                    ScheduleOverride.schedule_id == schedule_id, ScheduleOverride.id == override_id
                )
            )
        ).first()
        if row is None:
            raise NotFound(f"No override {override_id} on this schedule.", resource="override", id=str(override_id))
        await uow.connection.execute(delete(ScheduleOverride).where(ScheduleOverride.id == override_id))
        uow.record(_event(principal, schedule_id, "override_deleted", override_id=override_id, user_id=row.user_id))
        await uow.commit()


# --- calendar feeds ------------------------------------------------------------------------------------------------


async def _store_token(
    uow: UnitOfWork, principal: Principal, *, schedule_id: UUID | None, user_id: UUID | None
) -> tuple[str, datetime]:
    token, now = new_opaque_token(), utcnow()
    scope = OnCallFeedToken.schedule_id == schedule_id if schedule_id else OnCallFeedToken.user_id == user_id
    await uow.connection.execute(
        delete(OnCallFeedToken).where(OnCallFeedToken.organization_id == principal.organization_id, scope)
    )
    await uow.connection.execute(
        insert(OnCallFeedToken).values(
            id=new_id(),
            organization_id=principal.organization_id,
            schedule_id=schedule_id,
            user_id=user_id,
            token_hash=hash_opaque_token(token),
            created_by=principal.user_id,
            created_at=now,
        )
    )
    return token, now


async def issue_schedule_feed(uow: UnitOfWork, principal: Principal, schedule_id: UUID) -> tuple[str, datetime]:
    """A new feed token for the schedule, replacing (and so revoking) the previous one."""
    async with uow:
        await _require_schedule(uow, principal.organization_id, schedule_id, lock=True)
        token, now = await _store_token(uow, principal, schedule_id=schedule_id, user_id=None)
        await uow.commit()
    return token, now


async def issue_user_feed(uow: UnitOfWork, principal: Principal) -> tuple[str, datetime]:
    """A new token for the caller's own shifts across the organization, replacing the previous one."""
    async with uow:
        await uow.connection.execute(
            select(Membership.id)
            .where(Membership.organization_id == principal.organization_id, Membership.user_id == principal.user_id)
            .with_for_update()
        )
        token, now = await _store_token(uow, principal, schedule_id=None, user_id=principal.user_id)
        await uow.commit()
    return token, now


def _no_feed() -> NotFound:
    return NotFound("No calendar feed behind this URL; it may have been replaced by a newer one.", resource="feed")


async def _token_row(uow: UnitOfWork, token: str) -> Any:
    row = (
        await uow.connection.execute(
            select(OnCallFeedToken).where(OnCallFeedToken.token_hash == hash_opaque_token(token))
        )
    ).first()
    if row is None:
        raise _no_feed()
    return row


async def _names(connection: AsyncConnection, user_ids: Iterable[UUID]) -> dict[UUID, str]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = await connection.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}


def feed_window(now: datetime, weeks: int) -> tuple[datetime, datetime]:
    """The window to resolve: padded by the longest shift, so the shifts the feed shows are never clipped."""
    return now - FEED_PADDING, now + timedelta(weeks=weeks) + FEED_PADDING


def _in_feed(shifts: Iterable[Shift], now: datetime, weeks: int) -> list[Shift]:
    """The shifts still running or starting within ``weeks``, whole."""
    horizon = now + timedelta(weeks=weeks)
    return [shift for shift in shifts if shift.ends_at > now and shift.starts_at < horizon]


_FEED_HINT = "ask for fewer weeks"


def _may_put_on_call(schedule: Schedule, user_id: UUID) -> bool:
    return any(user_id in layer.members for layer in schedule.layers) or any(
        override.user_id == user_id for override in schedule.overrides
    )


async def schedule_feed(uow: UnitOfWork, token: str, *, now: datetime, weeks: int) -> bytes:
    start, end = feed_window(now, weeks)
    async with uow.read():
        found = await _token_row(uow, token)
        if found.schedule_id is None:
            raise _no_feed()
        row = await _schedule_row(uow.connection, found.organization_id, found.schedule_id)
        schedule = (await _domain_schedules(uow.connection, [row], start, end))[row.id]
        shifts = _in_feed(await _resolve(schedule, start, end, pointer="#/weeks", hint=_FEED_HINT), now, weeks)
        names = await _names(uow.connection, (shift.user_id for shift in shifts))
    entries = [
        ical.FeedShift(row.id, row.name, shift, names.get(shift.user_id, str(shift.user_id))) for shift in shifts
    ]
    return ical.calendar(f"On call: {row.name}", entries, now=now)


async def user_feed(uow: UnitOfWork, token: str, *, now: datetime, weeks: int) -> bytes:
    start, end = feed_window(now, weeks)
    async with uow.read():
        found = await _token_row(uow, token)
        if found.user_id is None:
            raise _no_feed()
        if found.user_id not in await _active_members(uow.connection, found.organization_id, [found.user_id]):
            raise _no_feed()
        rows = (
            await uow.connection.execute(
                select(OnCallSchedule).where(OnCallSchedule.organization_id == found.organization_id)
            )
        ).all()
        schedules = await _domain_schedules(uow.connection, rows, start, end)
        name = (await _names(uow.connection, [found.user_id])).get(found.user_id, "")
    budget = ShiftBudget(USER_FEED_SHIFTS)
    entries = []
    for row in rows:
        schedule = schedules[row.id]
        if not _may_put_on_call(schedule, found.user_id):
            continue
        shifts = await _resolve(schedule, start, end, pointer="#/weeks", hint=_FEED_HINT, budget=budget)
        entries += [
            ical.FeedShift(row.id, row.name, shift, name)
            for shift in _in_feed(shifts, now, weeks)
            if shift.user_id == found.user_id
        ]
    entries.sort(key=lambda entry: entry.shift.starts_at)
    return ical.calendar(f"My on-call shifts ({name})", entries, now=now)
