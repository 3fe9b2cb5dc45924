"""Check-in timer use cases: start, extend, keep the location current, cancel, and raise the SOS when one runs out.

Everyone sees and changes only their own timers; staff also see every timer of their organization and may cancel
one (they reached the person), but only the person extends it or updates its location. Until the scheduler has
raised the SOS, a timer past its due time can still be extended or cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Table, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from sos.alerts.domain import OPEN_STATUSES, AlertStatus, SourceChannel
from sos.alerts.models import Alert
from sos.alerts.schemas import AlertCreate
from sos.alerts.service import insert_alert
from sos.auth.principal import Principal
from sos.checkins.domain import CheckinAction, CheckinStatus, DueTimeRefused, due_time, missed_note
from sos.checkins.events import checkin_event
from sos.checkins.models import CheckinTimer
from sos.checkins.schemas import CheckinCreate, CheckinExtend, CheckinRead
from sos.core.db import utcnow
from sos.core.errors import Forbidden, InvalidTransition, NotFound, PreconditionFailed, Unprocessable
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.schemas import LocationIn
from sos.core.uow import UnitOfWork, UnitOfWorkFactory

_TIMERS = cast(Table, CheckinTimer.__table__)

logger = logging.getLogger("sos.checkins")

RETRY_AFTER_FAILURE = timedelta(minutes=1)


def _not_found(checkin_id: UUID) -> NotFound:
    return NotFound(f"No check-in timer {checkin_id} is visible to you.", resource="checkin", id=str(checkin_id))


def _visible(principal: Principal) -> ColumnElement[bool]:
    in_tenant = CheckinTimer.organization_id == principal.organization_id
    if principal.is_staff:
        return in_tenant & true()
    return in_tenant & (CheckinTimer.user_id == principal.user_id)


async def _fetch(uow: UnitOfWork, principal: Principal, checkin_id: UUID, *, lock: bool = False) -> Any:
    """The visible timer; ``lock`` holds its row until commit, so a scheduler skips it meanwhile."""
    query = select(_TIMERS).where(CheckinTimer.id == checkin_id, _visible(principal))
    row = (await uow.connection.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise _not_found(checkin_id)
    return row


def _read(values: Any) -> CheckinRead:
    return CheckinRead.model_validate(dict(values))


def _due_at(now: datetime, data: CheckinCreate | CheckinExtend) -> datetime:
    try:
        return due_time(now, due_at=data.due_at, duration_minutes=data.duration_minutes)
    except DueTimeRefused as refused:
        raise Unprocessable(
            f"{refused.field} {refused.message}.",
            errors=[{"in": "body", "pointer": f"#/{refused.field}", "type": "value_error", "message": refused.message}],
        ) from refused


def _require_owner(principal: Principal, row: Any, action: CheckinAction) -> None:
    if row.user_id != principal.user_id:
        raise Forbidden(
            "Only the person the timer watches over can extend it or update its location.", action=action.value
        )


def _require_active(row: Any, action: CheckinAction) -> None:
    if row.status != CheckinStatus.ACTIVE:
        raise InvalidTransition(
            f"The check-in timer is {row.status}; only an active timer can {action.value.replace('_', ' ')}.",
            current_status=str(row.status),
            action=action.value,
            allowed_actions=[],
        )


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The check-in timer is at version {row.version}, not {expected_version}; reload it and retry.",
            current_version=row.version,
        )


async def _by_idempotency_key(uow: UnitOfWork, principal: Principal, key: str) -> CheckinRead | None:
    row = (
        await uow.connection.execute(
            select(_TIMERS).where(
                CheckinTimer.organization_id == principal.organization_id,
                CheckinTimer.user_id == principal.user_id,
                CheckinTimer.idempotency_key == key,
            )
        )
    ).first()
    return _read(row._mapping) if row is not None else None


async def start_checkin(
    uow: UnitOfWork, principal: Principal, data: CheckinCreate, idempotency_key: str | None
) -> tuple[CheckinRead, bool]:
    """Starts a timer for the caller; returns ``(timer, created)``. A repeated idempotency key returns its timer."""
    if idempotency_key is not None:
        async with uow.read():
            existing = await _by_idempotency_key(uow, principal, idempotency_key)
        if existing is not None:
            return existing, False
    now = utcnow()
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": principal.organization_id,
        "user_id": principal.user_id,
        "idempotency_key": idempotency_key,
        "status": CheckinStatus.ACTIVE,
        "due_at": _due_at(now, data),
        "note": data.note,
        "severity": data.severity,
        "category": data.category,
        "lat": data.location.lat,
        "lon": data.location.lon,
        "accuracy_m": data.location.accuracy_m,
        "located_at": _fix_time(data.location, now),
        "created_at": now,
        "updated_at": now,
        "cancelled_at": None,
        "cancelled_by_id": None,
        "expired_at": None,
        "alert_id": None,
        "version": 1,
    }
    try:
        async with uow:
            await uow.connection.execute(insert(_TIMERS).values(values))
            uow.record(
                checkin_event(
                    "started",
                    checkin_id=values["id"],
                    organization_id=principal.organization_id,
                    actor_id=principal.user_id,
                    user_id=principal.user_id,
                    due_at=values["due_at"],
                    note=data.note,
                    severity=data.severity.value,
                    category=data.category.value,
                )
            )
            await uow.commit()
    except IntegrityError:
        if idempotency_key is None:
            raise
        async with uow.read():
            existing = await _by_idempotency_key(uow, principal, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return _read(values), True


def _fix_time(location: LocationIn, now: datetime) -> datetime:
    """When the device took the fix; a clock running ahead is capped at now so later fixes still count."""
    return now if location.recorded_at is None else min(location.recorded_at, now)


async def get_checkin(uow: UnitOfWork, principal: Principal, checkin_id: UUID) -> CheckinRead:
    async with uow.read():
        return _read((await _fetch(uow, principal, checkin_id))._mapping)


def _listed(principal: Principal, statuses: Sequence[CheckinStatus], user_id: UUID | None) -> Select[Any]:
    query = select(_TIMERS).where(_visible(principal))
    if statuses:
        query = query.where(CheckinTimer.status.in_(statuses))
    if user_id is not None:
        query = query.where(CheckinTimer.user_id == user_id)
    return query


async def list_checkins(
    uow: UnitOfWork,
    principal: Principal,
    *,
    statuses: Sequence[CheckinStatus],
    user_id: UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[CheckinRead]:
    """Newest first. Staff see their organization's timers; everyone else only their own."""
    query = _listed(principal, statuses, user_id)
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(CheckinTimer.id < after)
    async with uow.read():
        rows = (await uow.connection.execute(query.order_by(CheckinTimer.id.desc()).limit(limit + 1))).all()
    items = [_read(row._mapping) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[CheckinRead](items=items, next_cursor=next_cursor)


async def extend_checkin(
    uow: UnitOfWork, principal: Principal, checkin_id: UUID, data: CheckinExtend, *, expected_version: int | None
) -> CheckinRead:
    """Moves the due time; it counts from now and may also come earlier than before."""
    async with uow:
        row = await _fetch(uow, principal, checkin_id, lock=True)
        _require_owner(principal, row, CheckinAction.EXTEND)
        _require_active(row, CheckinAction.EXTEND)
        _check_version(row, expected_version)
        now = utcnow()
        changes = {"due_at": _due_at(now, data), "updated_at": now, "version": row.version + 1}
        await uow.connection.execute(update(_TIMERS).where(CheckinTimer.id == checkin_id).values(changes))
        uow.record(
            checkin_event(
                "extended",
                checkin_id=checkin_id,
                organization_id=principal.organization_id,
                actor_id=principal.user_id,
                user_id=row.user_id,
                due_at=changes["due_at"],
                previous_due_at=row.due_at,
                version=changes["version"],
            )
        )
        await uow.commit()
    return _read(dict(row._mapping) | changes)


async def update_location(uow: UnitOfWork, principal: Principal, checkin_id: UUID, location: LocationIn) -> CheckinRead:
    """Keeps the last known location current; an older fix than the stored one is ignored.

    Frequent and low-signal, so it records no event and leaves the version (and so the ETag) alone.
    """
    async with uow:
        row = await _fetch(uow, principal, checkin_id, lock=True)
        _require_owner(principal, row, CheckinAction.UPDATE_LOCATION)
        _require_active(row, CheckinAction.UPDATE_LOCATION)
        now = utcnow()
        located_at = _fix_time(location, now)
        changes: dict[str, Any] = {"updated_at": now}
        if located_at >= row.located_at:
            changes |= {
                "lat": location.lat,
                "lon": location.lon,
                "accuracy_m": location.accuracy_m,
                "located_at": located_at,
            }
        await uow.connection.execute(update(_TIMERS).where(CheckinTimer.id == checkin_id).values(changes))
        await uow.commit()
    return _read(dict(row._mapping) | changes)


async def cancel_checkin(
    uow: UnitOfWork, principal: Principal, checkin_id: UUID, *, expected_version: int | None
) -> CheckinRead:
    """Stops the timer ("I'm safe"). Staff may cancel someone else's once they have reached them."""
    async with uow:
        row = await _fetch(uow, principal, checkin_id, lock=True)
        _require_active(row, CheckinAction.CANCEL)
        _check_version(row, expected_version)
        now = utcnow()
        changes = {
            "status": CheckinStatus.CANCELLED,
            "cancelled_at": now,
            "cancelled_by_id": principal.user_id,
            "updated_at": now,
            "version": row.version + 1,
        }
        await uow.connection.execute(update(_TIMERS).where(CheckinTimer.id == checkin_id).values(changes))
        uow.record(
            checkin_event(
                "cancelled",
                checkin_id=checkin_id,
                organization_id=principal.organization_id,
                actor_id=principal.user_id,
                user_id=row.user_id,
                due_at=row.due_at,
                version=changes["version"],
            )
        )
        await uow.commit()
    return _read(dict(row._mapping) | changes)


def alert_idempotency_key(checkin_id: UUID) -> str:
    """The key of the SOS a timer raises: a second attempt for the same timer finds the first alert."""
    return f"checkin-{checkin_id}"


async def _raise_sos(uow: UnitOfWork, row: Any, now: datetime) -> UUID:
    key = alert_idempotency_key(row.id)
    earlier = (
        await uow.connection.execute(
            select(Alert.id, Alert.status).where(
                Alert.organization_id == row.organization_id,
                Alert.reporter_id == row.user_id,
                Alert.idempotency_key == key,
            )
        )
    ).first()
    if earlier is not None and AlertStatus(earlier.status) in OPEN_STATUSES:
        earlier_id: UUID = earlier.id
        return earlier_id
    if earlier is not None:
        # A closed alert never stands in for a missed check-in: it gives the key up to a new SOS.
        await uow.connection.execute(update(Alert).where(Alert.id == earlier.id).values(idempotency_key=None))
    data = AlertCreate(
        location=LocationIn(lat=row.lat, lon=row.lon, accuracy_m=row.accuracy_m, recorded_at=row.located_at),
        note=missed_note(row.note),
        category=row.category,
        severity=row.severity,
        source=SourceChannel.CHECKIN,
    )
    values = await insert_alert(
        uow, organization_id=row.organization_id, reporter_id=row.user_id, data=data, idempotency_key=key, now=now
    )
    alert_id: UUID = values["id"]
    return alert_id


async def _expire(uow: UnitOfWork, row: Any, now: datetime) -> bool:
    claimed = await uow.connection.execute(
        update(_TIMERS)
        .where(CheckinTimer.id == row.id, CheckinTimer.status == CheckinStatus.ACTIVE)
        .values(status=CheckinStatus.EXPIRED, expired_at=now, updated_at=now, version=row.version + 1)
    )
    if claimed.rowcount != 1:
        return False
    alert_id = await _raise_sos(uow, row, now)
    await uow.connection.execute(update(_TIMERS).where(CheckinTimer.id == row.id).values(alert_id=alert_id))
    uow.record(
        checkin_event(
            "expired",
            checkin_id=row.id,
            organization_id=row.organization_id,
            actor_id=None,
            user_id=row.user_id,
            alert_id=alert_id,
            due_at=row.due_at,
            lat=row.lat,
            lon=row.lon,
            accuracy_m=row.accuracy_m,
            located_at=row.located_at,
            version=row.version + 1,
        )
    )
    return True


def _due(now: datetime, skipped: set[UUID]) -> Select[Any]:
    query = select(_TIMERS).where(CheckinTimer.status == CheckinStatus.ACTIVE, CheckinTimer.due_at <= now)
    if skipped:
        query = query.where(CheckinTimer.id.not_in(skipped))
    return query.order_by(CheckinTimer.due_at, CheckinTimer.id).limit(1).with_for_update(skip_locked=True)


async def _expire_next(uow: UnitOfWork, now: datetime, skipped: set[UUID]) -> bool | None:
    """Expires the next due timer not in ``skipped`` in its own transaction and adds it there; ``None`` when none is
    due. A timer that fails is logged and retried a minute later: it never holds up the others, and its SOS is
    never dropped."""
    claimed: UUID | None = None
    try:
        async with uow:
            row = (await uow.connection.execute(_due(now, skipped))).first()
            if row is None:
                return None
            claimed = row.id
            skipped.add(row.id)
            expired = await _expire(uow, row, now)
            await uow.commit()
            return expired
    except Exception:
        if claimed is None:
            raise
        logger.exception("check-in timer %s failed to expire; it is retried in %s", claimed, RETRY_AFTER_FAILURE)
        await _postpone(uow, claimed, now)
        return False


async def _postpone(uow: UnitOfWork, checkin_id: UUID, now: datetime) -> None:
    async with uow:
        await uow.connection.execute(
            update(_TIMERS)
            .where(CheckinTimer.id == checkin_id, CheckinTimer.status == CheckinStatus.ACTIVE)
            .values(due_at=now + RETRY_AFTER_FAILURE, updated_at=now)
        )
        await uow.commit()


async def expire_due(uow_factory: UnitOfWorkFactory, now: datetime, limit: int) -> int:
    """Raises the SOS of up to ``limit`` active timers due at ``now``, each in one transaction that also marks it
    expired; rows another scheduler holds are skipped. Returns how many timers it expired."""
    skipped: set[UUID] = set()
    expired = 0
    while expired < limit:
        outcome = await _expire_next(uow_factory(), now, skipped)
        if outcome is None:
            break
        expired += outcome
    return expired
