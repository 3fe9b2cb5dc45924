"""Responder profiles: skills, availability and the last known location."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, cast, exists, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB

from sos.auth.principal import Principal
from sos.core.config import DatabaseKind
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, NotFound, PreconditionFailed, Unprocessable
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.schemas import LocationIn, LocationRead
from sos.core.uow import UnitOfWork
from sos.responders.domain import Availability
from sos.responders.events import responder_event
from sos.responders.models import ResponderLocation, ResponderProfile
from sos.responders.schemas import ResponderFilters, ResponderRead, ResponderUpdate
from sos.teams.models import TeamMember
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

FUTURE_FIX_TOLERANCE = timedelta(minutes=5)


def _profiles() -> Select[*tuple[Any, ...]]:
    return select(
        ResponderProfile.id,
        ResponderProfile.user_id,
        ResponderProfile.organization_id,
        User.full_name,
        User.email,
        User.phone,
        ResponderProfile.skills,
        ResponderProfile.availability,
        ResponderProfile.availability_changed_at,
        ResponderProfile.last_lat,
        ResponderProfile.last_lon,
        ResponderProfile.last_accuracy_m,
        ResponderProfile.last_located_at,
        ResponderProfile.updated_at,
        ResponderProfile.version,
    ).join(User, User.id == ResponderProfile.user_id)


def _not_found(user_id: UUID) -> NotFound:
    return NotFound(f"No responder profile for user {user_id} in your organization.", resource="responder")


async def _fetch(uow: UnitOfWork, organization_id: UUID, user_id: UUID) -> Any:
    row = (
        await uow.connection.execute(
            _profiles().where(ResponderProfile.organization_id == organization_id, ResponderProfile.user_id == user_id)
        )
    ).first()
    if row is None:
        raise _not_found(user_id)
    return row


async def _team_ids(uow: UnitOfWork, organization_id: UUID, user_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
    teams: dict[UUID, list[UUID]] = defaultdict(list)
    if not user_ids:
        return teams
    rows = await uow.connection.execute(
        select(TeamMember.user_id, TeamMember.team_id)
        .where(TeamMember.organization_id == organization_id, TeamMember.user_id.in_(user_ids))
        .order_by(TeamMember.team_id)
    )
    for row in rows:
        teams[row.user_id].append(row.team_id)
    return teams


def _read(row: Any, team_ids: list[UUID], **changes: Any) -> ResponderRead:
    values = dict(row._mapping) | changes
    located = values["last_located_at"] is not None
    return ResponderRead.model_validate(
        values
        | {
            "team_ids": team_ids,
            "last_location": LocationRead(
                lat=values["last_lat"],
                lon=values["last_lon"],
                accuracy_m=values["last_accuracy_m"],
                recorded_at=values["last_located_at"],
            )
            if located
            else None,
        }
    )


async def _read_one(uow: UnitOfWork, organization_id: UUID, user_id: UUID, **changes: Any) -> ResponderRead:
    row = await _fetch(uow, organization_id, user_id)
    teams = await _team_ids(uow, organization_id, [user_id])
    return _read(row, teams[user_id], **changes)


async def ensure_profile(uow: UnitOfWork, *, organization_id: UUID, user_id: UUID) -> None:
    """Gives a member a responder profile, off duty and without skills, unless they already have one."""
    found = await uow.connection.execute(
        select(ResponderProfile.id).where(
            ResponderProfile.organization_id == organization_id, ResponderProfile.user_id == user_id
        )
    )
    if found.first() is not None:
        return
    now = utcnow()
    await uow.connection.execute(
        insert(ResponderProfile).values(
            id=new_id(),
            organization_id=organization_id,
            user_id=user_id,
            skills=[],
            availability=Availability.OFF_DUTY,
            availability_changed_at=now,
            created_at=now,
            updated_at=now,
            version=1,
        )
    )


def _has_skill(kind: DatabaseKind, skill: str) -> ColumnElement[bool]:
    if kind is DatabaseKind.POSTGRESQL:
        return cast(ResponderProfile.skills, JSONB).contains([skill])
    if kind is DatabaseKind.MYSQL:
        return func.json_contains(ResponderProfile.skills, func.json_quote(skill)) == 1
    each = func.json_each(ResponderProfile.skills).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == skill))


async def list_responders(
    uow: UnitOfWork, principal: Principal, filters: ResponderFilters, *, cursor: str | None, limit: int
) -> Page[ResponderRead]:
    """Active members with the responder role, in the order they got their profile."""
    query = (
        _profiles()
        .join(
            Membership,
            (Membership.organization_id == ResponderProfile.organization_id)
            & (Membership.user_id == ResponderProfile.user_id),
        )
        .where(
            ResponderProfile.organization_id == principal.organization_id,
            Membership.role == Role.RESPONDER,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if filters.availability:
        query = query.where(ResponderProfile.availability.in_(filters.availability))
    if filters.skill is not None:
        query = query.where(_has_skill(uow.kind, filters.skill))
    if filters.team_id is not None:
        query = query.where(
            ResponderProfile.user_id.in_(
                select(TeamMember.user_id).where(
                    TeamMember.organization_id == principal.organization_id, TeamMember.team_id == filters.team_id
                )
            )
        )
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(ResponderProfile.id > after)
    async with uow.read():
        rows = (await uow.connection.execute(query.order_by(ResponderProfile.id).limit(limit + 1))).all()
        page = rows[:limit]
        teams = await _team_ids(uow, principal.organization_id, [row.user_id for row in page])
    items = [_read(row, teams[row.user_id]) for row in page]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return Page[ResponderRead](items=items, next_cursor=next_cursor)


async def get_responder(uow: UnitOfWork, principal: Principal, user_id: UUID) -> ResponderRead:
    async with uow.read():
        return await _read_one(uow, principal.organization_id, user_id)


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The responder profile is at version {row.version}, not {expected_version}; reload it and retry.",
            current_version=row.version,
        )


async def _apply(
    uow: UnitOfWork, principal: Principal, row: Any, changes: dict[str, Any], *, expected_version: int | None
) -> None:
    """Writes ``changes`` if the row is still at the version read, recording one event per changed field."""
    if not changes:
        return
    now = utcnow()
    if "availability" in changes:
        changes["availability_changed_at"] = now
    changes |= {"version": row.version + 1, "updated_at": now}
    result = await uow.connection.execute(
        update(ResponderProfile)
        .where(ResponderProfile.id == row.id, ResponderProfile.version == row.version)
        .values(changes)
    )
    if result.rowcount != 1:
        if expected_version is not None:
            raise PreconditionFailed("The responder profile changed while this request ran; reload it and retry.")
        raise Conflict(
            "The responder profile changed while this request ran; retry.", code=ErrorCode.CONCURRENT_MODIFICATION
        )
    if "skills" in changes:
        uow.record(_event(principal, row, "skills_changed", skills=changes["skills"], previous=list(row.skills)))
    if "availability" in changes:
        uow.record(
            _event(
                principal,
                row,
                "availability_changed",
                availability=changes["availability"].value,
                previous=Availability(row.availability).value,
            )
        )


def _event(principal: Principal, row: Any, event_type: str, **payload: Any) -> DomainEvent:
    return responder_event(
        event_type,
        profile_id=row.id,
        user_id=row.user_id,
        organization_id=row.organization_id,
        actor_id=principal.user_id,
        **payload,
    )


async def update_responder(
    uow: UnitOfWork, principal: Principal, user_id: UUID, data: ResponderUpdate, *, expected_version: int | None
) -> ResponderRead:
    async with uow:
        row = await _fetch(uow, principal.organization_id, user_id)
        _check_version(row, expected_version)
        wanted = data.model_dump(exclude_unset=True)
        changes = {name: value for name, value in wanted.items() if value != getattr(row, name)}
        await _apply(uow, principal, row, changes, expected_version=expected_version)
        result = await _read_one(uow, principal.organization_id, user_id)
        await uow.commit()
    return result


async def get_my_profile(uow: UnitOfWork, principal: Principal) -> ResponderRead:
    async with uow.read():
        return await _read_one(uow, principal.organization_id, principal.user_id)


async def set_my_availability(
    uow: UnitOfWork, principal: Principal, availability: Availability, *, expected_version: int | None
) -> ResponderRead:
    async with uow:
        await ensure_profile(uow, organization_id=principal.organization_id, user_id=principal.user_id)
        row = await _fetch(uow, principal.organization_id, principal.user_id)
        _check_version(row, expected_version)
        changes = {"availability": availability} if availability != row.availability else {}
        await _apply(uow, principal, row, changes, expected_version=expected_version)
        result = await _read_one(uow, principal.organization_id, principal.user_id)
        await uow.commit()
    return result


async def record_my_location(uow: UnitOfWork, principal: Principal, location: LocationIn) -> LocationRead:
    """Appends the fix to the trail; the profile's last location moves only to a fix at least as recent."""
    now = utcnow()
    recorded_at = location.recorded_at or now
    if recorded_at > now + FUTURE_FIX_TOLERANCE:
        raise Unprocessable(
            "recorded_at lies in the future; check the device clock.",
            errors=[{"in": "body", "pointer": "#/recorded_at", "type": "value_error", "message": "in the future"}],
        )
    async with uow:
        await ensure_profile(uow, organization_id=principal.organization_id, user_id=principal.user_id)
        row = await _fetch(uow, principal.organization_id, principal.user_id)
        await uow.connection.execute(
            insert(ResponderLocation).values(
                id=new_id(),
                organization_id=principal.organization_id,
                profile_id=row.id,
                lat=location.lat,
                lon=location.lon,
                accuracy_m=location.accuracy_m,
                recorded_at=recorded_at,
                received_at=now,
            )
        )
        await uow.connection.execute(
            update(ResponderProfile)
            .where(
                ResponderProfile.id == row.id,
                ResponderProfile.last_located_at.is_(None) | (ResponderProfile.last_located_at <= recorded_at),
            )
            .values(
                last_lat=location.lat,
                last_lon=location.lon,
                last_accuracy_m=location.accuracy_m,
                last_located_at=recorded_at,
            )
        )
        uow.record(
            _event(
                principal,
                row,
                "location_recorded",
                lat=location.lat,
                lon=location.lon,
                accuracy_m=location.accuracy_m,
                recorded_at=recorded_at.isoformat(),
            )
        )
        await uow.commit()
    return LocationRead(lat=location.lat, lon=location.lon, accuracy_m=location.accuracy_m, recorded_at=recorded_at)
