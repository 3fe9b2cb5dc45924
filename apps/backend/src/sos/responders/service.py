"""Responder profiles: skills, availability and the last known location."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from sos.auth.principal import Principal
from sos.core.config import DatabaseKind
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, NotFound, PreconditionFailed
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.schemas import LocationIn, LocationRead
from sos.core.uow import UnitOfWork
from sos.locations.domain import Fix, capped, in_order, refuse_backwards_window, refuse_future_fixes
from sos.locations.schemas import LocationBatchIn, LocationBatchRead, fix_of, read_of
from sos.locations.trail import not_yet_stored
from sos.responders.domain import Availability
from sos.responders.events import responder_event
from sos.responders.models import ResponderLocation, ResponderProfile
from sos.responders.schemas import ResponderFilters, ResponderRead, ResponderUpdate
from sos.teams.models import TeamMember
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User


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


def skill_parameter(kind: DatabaseKind, name: str, skill: str | None = None) -> BindParameter[Any]:
    """A bound skill for :func:`has_skill`, in the form each database compares (PostgreSQL: the list ``[skill]``);
    without ``skill``, its value is bound later under ``name`` with :func:`skill_value`."""
    type_ = JSONB if kind is DatabaseKind.POSTGRESQL else String
    if skill is None:
        return bindparam(name, type_=type_)
    return bindparam(name, skill_value(kind, skill), type_=type_)


def skill_value(kind: DatabaseKind, skill: str) -> Any:
    return [skill] if kind is DatabaseKind.POSTGRESQL else skill


def has_skill(kind: DatabaseKind, skill: BindParameter[Any]) -> ColumnElement[bool]:
    """The responder's JSON list of skills holds the skill bound to ``skill`` (see :func:`skill_parameter`), in each
    database's own JSON syntax."""
    if kind is DatabaseKind.POSTGRESQL:
        return cast(ResponderProfile.skills, JSONB).contains(skill)
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
        query = query.where(has_skill(uow.kind, skill_parameter(uow.kind, "skill", filters.skill)))
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
    """Appends one fix to the caller's trail; see :func:`_record_fixes`."""
    now = utcnow()
    refuse_future_fixes([location.recorded_at], now, pointer="#/recorded_at")
    fix = capped(fix_of(location, default_time=now), now)
    await _record_fixes(uow, principal, [fix], now)
    return read_of(fix)


async def record_my_locations(uow: UnitOfWork, principal: Principal, batch: LocationBatchIn) -> LocationBatchRead:
    """Appends a batch of fixes, such as a queue kept while offline, oldest first; see :func:`_record_fixes`."""
    now = utcnow()
    refuse_future_fixes([fix.recorded_at for fix in batch.fixes], now, pointer="#/fixes/{index}/recorded_at")
    fixes = [capped(fix, now) for fix in in_order(fix_of(item, default_time=now) for item in batch.fixes)]
    stored, last = await _record_fixes(uow, principal, fixes, now)
    return LocationBatchRead(stored=len(stored), duplicates=len(batch.fixes) - len(stored), last_location=last)


async def _record_fixes(
    uow: UnitOfWork, principal: Principal, fixes: Sequence[Fix], now: datetime
) -> tuple[list[Fix], LocationRead | None]:
    """Stores the fixes (oldest first) the trail lacks, with one ``responder.location_recorded`` each, in one commit;
    the profile's last location moves only to a fix at least as recent. Returns the stored fixes and the last
    location after the upload."""
    async with uow:
        await ensure_profile(uow, organization_id=principal.organization_id, user_id=principal.user_id)
        row = await _fetch(uow, principal.organization_id, principal.user_id)
        new = await not_yet_stored(
            uow, fixes, owner=ResponderLocation.profile_id, owner_id=row.id, recorded_at=ResponderLocation.recorded_at
        )
        last = _last_location(row)
        if new:
            await uow.connection.execute(
                insert(ResponderLocation),
                [
                    {
                        "id": new_id(),
                        "organization_id": principal.organization_id,
                        "profile_id": row.id,
                        "lat": fix.lat,
                        "lon": fix.lon,
                        "accuracy_m": fix.accuracy_m,
                        "recorded_at": fix.recorded_at,
                        "received_at": now,
                    }
                    for fix in new
                ],
            )
            newest = new[-1]
            await uow.connection.execute(
                update(ResponderProfile)
                .where(
                    ResponderProfile.id == row.id,
                    ResponderProfile.last_located_at.is_(None)
                    | (ResponderProfile.last_located_at <= newest.recorded_at),
                )
                .values(
                    last_lat=newest.lat,
                    last_lon=newest.lon,
                    last_accuracy_m=newest.accuracy_m,
                    last_located_at=newest.recorded_at,
                )
            )
            if last is None or last.recorded_at <= newest.recorded_at:
                last = read_of(newest)
            uow.record(
                *(
                    _event(
                        principal,
                        row,
                        "location_recorded",
                        lat=fix.lat,
                        lon=fix.lon,
                        accuracy_m=fix.accuracy_m,
                        recorded_at=fix.recorded_at.isoformat(),
                    )
                    for fix in new
                )
            )
        await uow.commit()
    return new, last


def _last_location(row: Any) -> LocationRead | None:
    if row.last_located_at is None:
        return None
    return LocationRead(
        lat=row.last_lat, lon=row.last_lon, accuracy_m=row.last_accuracy_m, recorded_at=row.last_located_at
    )


def _hidden_trail(user_id: UUID) -> NotFound:
    return NotFound(f"No location trail of user {user_id} is visible to you.", resource="responder")


async def list_trail(
    uow: UnitOfWork,
    principal: Principal,
    user_id: UUID,
    *,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[LocationRead]:
    """A responder's fixes taken in ``[since, until)``, newest first. Staff read any responder of their
    organization; a responder reads only their own trail, and anyone else's is hidden (404)."""
    refuse_backwards_window(since, until)
    if principal.role is Role.RESPONDER and user_id != principal.user_id:
        raise _hidden_trail(user_id)
    query = select(
        ResponderLocation.id,
        ResponderLocation.lat,
        ResponderLocation.lon,
        ResponderLocation.accuracy_m,
        ResponderLocation.recorded_at,
    )
    if since is not None:
        query = query.where(ResponderLocation.recorded_at >= since)
    if until is not None:
        query = query.where(ResponderLocation.recorded_at < until)
    if cursor is not None:
        before, before_id = decode_cursor(cursor, datetime, UUID)
        query = query.where(
            (ResponderLocation.recorded_at < before)
            | ((ResponderLocation.recorded_at == before) & (ResponderLocation.id < before_id))
        )
    async with uow.read():
        profile_id = await uow.connection.scalar(
            select(ResponderProfile.id).where(
                ResponderProfile.organization_id == principal.organization_id, ResponderProfile.user_id == user_id
            )
        )
        if profile_id is None:
            raise _hidden_trail(user_id)
        rows = (
            await uow.connection.execute(
                query.where(ResponderLocation.profile_id == profile_id)
                .order_by(ResponderLocation.recorded_at.desc(), ResponderLocation.id.desc())
                .limit(limit + 1)
            )
        ).all()
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].recorded_at, page[-1].id) if len(rows) > limit else None
    items = [LocationRead.model_validate(row._mapping) for row in page]
    return Page[LocationRead](items=items, next_cursor=next_cursor)
