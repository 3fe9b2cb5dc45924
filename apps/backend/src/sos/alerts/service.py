"""Alert use cases. These are the hot paths, so they run as SQLAlchemy Core statements with few round trips."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Select, Table, and_, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from sos.alerts.domain import (
    OPEN_STATUSES,
    TRANSITIONS,
    AlertAction,
    AlertStatus,
    SourceChannel,
)
from sos.alerts.domain import next_status as apply_action
from sos.alerts.events import alert_event
from sos.alerts.models import Alert, AlertAssignment, AlertLocation
from sos.alerts.schemas import ASSIGNED_TO_ME, AlertCreate, AlertFilters, AlertRead, AssignmentCreate, AssignmentRead
from sos.alerts.visibility import assigned_to, visible_alerts
from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    Unprocessable,
)
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.schemas import LocationIn, LocationRead
from sos.core.state_machine import TransitionNotAllowed
from sos.core.uow import UnitOfWork
from sos.locations.domain import Fix, capped, in_order, refuse_backwards_window
from sos.locations.schemas import LocationBatchIn, LocationBatchRead, fix_of, read_of
from sos.locations.trail import not_yet_stored
from sos.teams.models import Team
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership

_ALERTS = cast(Table, Alert.__table__)
_LIFECYCLE_STAMPS = (
    "acknowledged_at",
    "acknowledged_by_id",
    "dispatched_at",
    "dispatched_by_id",
    "on_scene_at",
    "resolved_at",
    "resolved_by_id",
)
_TRANSITION_RETRIES = 3


def _fix_time(location: LocationIn, now: datetime) -> datetime:
    """When the device took the fix, in UTC; a clock running ahead is capped at now so later fixes still count."""
    if location.recorded_at is None:
        return now
    return min(location.recorded_at.astimezone(UTC), now)


def _not_found(alert_id: UUID) -> NotFound:
    return NotFound(f"No alert {alert_id} is visible to you.", resource="alert", id=str(alert_id))


def _select_alerts(principal: Principal) -> Select[Any]:
    """Alert rows; a responder's also say whether the alert is assigned to them, which decides what they may do."""
    if principal.role is Role.RESPONDER:
        return select(_ALERTS, assigned_to(principal).label(ASSIGNED_TO_ME))
    return select(_ALERTS)


async def _fetch(uow: UnitOfWork, principal: Principal, alert_id: UUID, *, lock: bool = False) -> Any:
    """The visible alert; ``lock`` holds its row until commit, serialising writers of what hangs off it."""
    query = _select_alerts(principal).where(Alert.id == alert_id, visible_alerts(principal))
    row = (await uow.connection.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise _not_found(alert_id)
    return row


async def _by_idempotency_key(uow: UnitOfWork, principal: Principal, key: str) -> AlertRead | None:
    row = (
        await uow.connection.execute(
            _select_alerts(principal).where(
                Alert.organization_id == principal.organization_id,
                Alert.reporter_id == principal.user_id,
                Alert.idempotency_key == key,
            )
        )
    ).first()
    return AlertRead.from_row(row._mapping, principal) if row is not None else None


IDEMPOTENCY_WINDOW = timedelta(hours=24)


def _replayable(alert: AlertRead, now: datetime) -> bool:
    return alert.status in OPEN_STATUSES and now - alert.created_at < IDEMPOTENCY_WINDOW


async def insert_alert(
    uow: UnitOfWork,
    *,
    organization_id: UUID,
    reporter_id: UUID,
    data: AlertCreate,
    idempotency_key: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Inserts a triggered alert, its first trail point and ``alert.triggered`` inside the caller's open unit of
    work; returns the row's values."""
    located_at = _fix_time(data.location, now)
    alert_id = new_id()
    values: dict[str, Any] = {
        "id": alert_id,
        "organization_id": organization_id,
        "reporter_id": reporter_id,
        "incident_id": None,
        "idempotency_key": idempotency_key,
        "status": AlertStatus.TRIGGERED,
        "severity": data.severity,
        "category": data.category,
        "source": data.source,
        "note": data.note,
        "lat": data.location.lat,
        "lon": data.location.lon,
        "accuracy_m": data.location.accuracy_m,
        "located_at": located_at,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    } | dict.fromkeys((*_LIFECYCLE_STAMPS, "cancelled_at", "cancelled_by_id", "reopened_at"), None)
    await uow.connection.execute(insert(_ALERTS).values(values))
    await uow.connection.execute(
        insert(AlertLocation).values(
            id=new_id(),
            organization_id=organization_id,
            alert_id=alert_id,
            lat=data.location.lat,
            lon=data.location.lon,
            accuracy_m=data.location.accuracy_m,
            recorded_at=located_at,
            received_at=now,
        )
    )
    uow.record(
        alert_event(
            "triggered",
            alert_id=alert_id,
            organization_id=organization_id,
            actor_id=reporter_id,
            severity=data.severity.value,
            category=data.category.value,
            source=data.source.value,
            lat=data.location.lat,
            lon=data.location.lon,
            accuracy_m=data.location.accuracy_m,
            note=data.note,
        )
    )
    return values


def _refuse_reserved_source(data: AlertCreate) -> None:
    if data.source is SourceChannel.CHECKIN:
        raise Unprocessable(
            "The source 'checkin' is reserved for alerts raised by a missed check-in timer.",
            errors=[{"in": "body", "pointer": "#/source", "type": "value_error", "message": "reserved source channel"}],
        )


RESERVED_KEY_PREFIX = "checkin-"


def _refuse_reserved_key(idempotency_key: str | None) -> None:
    # Case-insensitive: keys compare case-insensitively under MariaDB's default collation.
    if idempotency_key is not None and idempotency_key.lower().startswith(RESERVED_KEY_PREFIX):
        raise Unprocessable(
            "Idempotency-Key values starting with 'checkin-' are reserved for alerts raised by check-in timers.",
            errors=[
                {
                    "in": "header",
                    "pointer": "#/Idempotency-Key",
                    "type": "value_error",
                    "message": "reserved Idempotency-Key prefix 'checkin-'",
                }
            ],
        )


async def raise_alert(
    uow: UnitOfWork, principal: Principal, data: AlertCreate, idempotency_key: str | None
) -> tuple[AlertRead, bool]:
    """Creates the SOS; returns ``(alert, created)``.

    A repeated idempotency key returns the alert it created while that alert is open and recent. A key that comes
    back after its alert was closed, or days later, is a new emergency: the old alert gives the key up.
    """
    _refuse_reserved_source(data)
    _refuse_reserved_key(idempotency_key)
    now = utcnow()
    retired_alert_id = None
    if idempotency_key is not None:
        async with uow.read():
            existing = await _by_idempotency_key(uow, principal, idempotency_key)
        if existing is not None and _replayable(existing, now):
            return existing, False
        retired_alert_id = existing.id if existing is not None else None
    try:
        async with uow:
            if retired_alert_id is not None:
                await uow.connection.execute(
                    update(_ALERTS)
                    .where(Alert.id == retired_alert_id, Alert.idempotency_key == idempotency_key)
                    .values(idempotency_key=None)
                )
            values = await insert_alert(
                uow,
                organization_id=principal.organization_id,
                reporter_id=principal.user_id,
                data=data,
                idempotency_key=idempotency_key,
                now=now,
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
    return AlertRead.from_row(values, principal), True


async def get_alert(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> AlertRead:
    async with uow.read():
        return AlertRead.from_row((await _fetch(uow, principal, alert_id))._mapping, principal)


def _filtered(principal: Principal, filters: AlertFilters) -> Select[Any]:
    query = _select_alerts(principal).where(visible_alerts(principal))
    if filters.status:
        query = query.where(Alert.status.in_(filters.status))
    if filters.severity:
        query = query.where(Alert.severity.in_(filters.severity))
    if filters.incident_id is not None:
        query = query.where(Alert.incident_id == filters.incident_id)
    if filters.team_id is not None:
        query = query.where(
            exists().where(AlertAssignment.alert_id == Alert.id, AlertAssignment.team_id == filters.team_id)
        )
    if filters.created_after is not None:
        query = query.where(Alert.created_at >= filters.created_after)
    if filters.created_before is not None:
        query = query.where(Alert.created_at < filters.created_before)
    if filters.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        query = query.where(Alert.lat.between(min_lat, max_lat))
        # A box may cross the antimeridian: then min_lon > max_lon and it wraps around.
        if min_lon <= max_lon:
            query = query.where(Alert.lon.between(min_lon, max_lon))
        else:
            query = query.where(or_(Alert.lon >= min_lon, Alert.lon <= max_lon))
    return query


async def list_alerts(
    uow: UnitOfWork, principal: Principal, filters: AlertFilters, *, cursor: str | None, limit: int
) -> Page[AlertRead]:
    """Newest first, by time-ordered id."""
    query = _filtered(principal, filters)
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(Alert.id < after)
    query = query.order_by(Alert.id.desc()).limit(limit + 1)
    async with uow.read():
        rows = (await uow.connection.execute(query)).all()
    items = [AlertRead.from_row(row._mapping, principal) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[AlertRead](items=items, next_cursor=next_cursor)


def _check_role(principal: Principal, action: AlertAction) -> None:
    roles = TRANSITIONS[action].roles
    if principal.role not in roles:
        raise Forbidden(
            f"A {principal.role.value} may not {action.value} an alert.",
            action=action.value,
            required_roles=sorted(roles),
        )


async def _check_assigned(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> None:
    """A responder sees the alerts they raised themselves, but acts only on those assigned to them."""
    if principal.role is not Role.RESPONDER:
        return
    assigned = await uow.connection.scalar(select(Alert.id).where(Alert.id == alert_id, assigned_to(principal)))
    if assigned is None:
        raise Forbidden("A responder acts only on alerts assigned to them or to one of their teams.")


async def record_transition(
    uow: UnitOfWork,
    alert_id: UUID,
    organization_id: UUID,
    action: AlertAction,
    *,
    version: int,
    current: AlertStatus,
    target: AlertStatus,
    actor_id: UUID,
    now: datetime,
    note: str | None,
) -> dict[str, Any] | None:
    """Moves the alert from ``current`` to ``target`` by ``action`` if it is still at ``version``, and records the
    event; the columns it set, or None if someone changed the alert first."""
    spec = TRANSITIONS[action]
    changes: dict[str, Any] = {"status": target, "version": version + 1, "updated_at": now}
    if action is AlertAction.REOPEN:
        changes |= dict.fromkeys(_LIFECYCLE_STAMPS, None)
    changes[spec.timestamp_field] = now
    if spec.actor_field is not None:
        changes[spec.actor_field] = actor_id
    result = await uow.connection.execute(
        update(_ALERTS).where(Alert.id == alert_id, Alert.version == version).values(changes)
    )
    if result.rowcount != 1:
        return None
    uow.record(
        alert_event(
            target.value if action is not AlertAction.REOPEN else "reopened",
            alert_id=alert_id,
            organization_id=organization_id,
            actor_id=actor_id,
            action=action.value,
            from_status=current.value,
            to_status=target.value,
            version=version + 1,
            note=note,
        )
    )
    return changes


async def transition(
    uow: UnitOfWork,
    principal: Principal,
    alert_id: UUID,
    action: AlertAction,
    *,
    note: str | None,
    expected_version: int | None,
) -> AlertRead:
    """Applies ``action`` with an optimistic version check; a stale ``expected_version`` is a 412."""
    for _attempt in range(_TRANSITION_RETRIES):
        async with uow:
            row = await _fetch(uow, principal, alert_id)
            # Whoever raised an SOS may call it off as a false alarm, whatever their role.
            if not (action is AlertAction.CANCEL and row.reporter_id == principal.user_id):
                _check_role(principal, action)
                await _check_assigned(uow, principal, alert_id)
            if expected_version is not None and row.version != expected_version:
                raise PreconditionFailed(
                    f"The alert is at version {row.version}, not {expected_version}; reload it and retry.",
                    current_version=row.version,
                )
            current = AlertStatus(row.status)
            try:
                target = apply_action(current, action)
            except TransitionNotAllowed as exc:
                raise InvalidTransition.of(exc) from exc
            changes = await record_transition(
                uow,
                alert_id,
                principal.organization_id,
                action,
                version=row.version,
                current=current,
                target=target,
                actor_id=principal.user_id,
                now=utcnow(),
                note=note,
            )
            if changes is not None:
                await uow.commit()
                return AlertRead.from_row(dict(row._mapping) | changes, principal)
        if expected_version is not None:
            raise PreconditionFailed("The alert changed while this request ran; reload it and retry.")
    raise Conflict(
        "The alert kept changing under this request; reload it and retry.",
        code=ErrorCode.CONCURRENT_MODIFICATION,
    )


async def record_location(uow: UnitOfWork, principal: Principal, alert_id: UUID, location: LocationIn) -> LocationRead:
    """Adds one point to the trail; see :func:`_record_fixes`."""
    now = utcnow()
    fix = capped(fix_of(location, default_time=now), now)
    await _record_fixes(uow, principal, alert_id, [fix], now)
    return read_of(fix)


async def record_locations(
    uow: UnitOfWork, principal: Principal, alert_id: UUID, batch: LocationBatchIn
) -> LocationBatchRead:
    """Adds a batch of points, such as the queue a phone kept while offline, oldest first; see :func:`_record_fixes`."""
    now = utcnow()
    fixes = [capped(fix, now) for fix in in_order(fix_of(item, default_time=now) for item in batch.fixes)]
    stored, position = await _record_fixes(uow, principal, alert_id, fixes, now)
    return LocationBatchRead(stored=len(stored), duplicates=len(batch.fixes) - len(stored), last_location=position)


async def _record_fixes(
    uow: UnitOfWork, principal: Principal, alert_id: UUID, fixes: Sequence[Fix], now: datetime
) -> tuple[list[Fix], LocationRead]:
    """Stores the fixes (oldest first) the trail lacks, with one ``alert.location_recorded`` each, in one commit.

    Whoever raised the alert, and staff, add to the trail while the alert is open; a closed alert's trail no longer
    changes (409). The alert's row stays locked until the commit, so a trail point never lands after a concurrent
    resolve or cancel. The alert's position follows the newest fix; an older one only joins the trail. A device
    clock running ahead counts as now (the caller caps the fixes): the person in danger is never refused over their
    clock. Returns the stored fixes and the alert's position after the upload."""
    async with uow:
        row = await _fetch(uow, principal, alert_id, lock=True)
        if not principal.is_staff and row.reporter_id != principal.user_id:
            raise Forbidden("Only the person who raised the alert, or staff, can add to its trail.")
        if AlertStatus(row.status) not in OPEN_STATUSES:
            raise Conflict("The alert is closed; its trail no longer changes.", code=ErrorCode.ALERT_CLOSED)
        new = await not_yet_stored(
            uow, fixes, owner=AlertLocation.alert_id, owner_id=alert_id, recorded_at=AlertLocation.recorded_at
        )
        position = LocationRead(lat=row.lat, lon=row.lon, accuracy_m=row.accuracy_m, recorded_at=row.located_at)
        if new:
            await uow.connection.execute(
                insert(AlertLocation),
                [
                    {
                        "id": new_id(),
                        "organization_id": row.organization_id,
                        "alert_id": alert_id,
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
            if newest.recorded_at >= row.located_at:
                await uow.connection.execute(
                    update(_ALERTS)
                    .where(Alert.id == alert_id, Alert.located_at <= newest.recorded_at)
                    .values(
                        lat=newest.lat,
                        lon=newest.lon,
                        accuracy_m=newest.accuracy_m,
                        located_at=newest.recorded_at,
                        updated_at=now,
                    )
                )
                position = read_of(newest)
            uow.record(
                *(
                    alert_event(
                        "location_recorded",
                        alert_id=alert_id,
                        organization_id=row.organization_id,
                        actor_id=principal.user_id,
                        lat=fix.lat,
                        lon=fix.lon,
                        accuracy_m=fix.accuracy_m,
                        recorded_at=fix.recorded_at,
                    )
                    for fix in new
                )
            )
        await uow.commit()
    return new, position


async def list_locations(
    uow: UnitOfWork,
    principal: Principal,
    alert_id: UUID,
    *,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[LocationRead]:
    """The newest ``limit`` points of the trail taken in ``[since, until)``, oldest first."""
    refuse_backwards_window(since, until)
    query = select(AlertLocation.lat, AlertLocation.lon, AlertLocation.accuracy_m, AlertLocation.recorded_at).where(
        AlertLocation.alert_id == alert_id
    )
    if since is not None:
        query = query.where(AlertLocation.recorded_at >= since)
    if until is not None:
        query = query.where(AlertLocation.recorded_at < until)
    async with uow.read():
        await _fetch(uow, principal, alert_id)
        rows = (
            await uow.connection.execute(
                query.order_by(AlertLocation.recorded_at.desc(), AlertLocation.id.desc()).limit(limit)
            )
        ).all()
    return [LocationRead.model_validate(row._mapping) for row in reversed(rows)]


async def _require_references(uow: UnitOfWork, principal: Principal, data: AssignmentCreate) -> None:
    if data.responder_ids:
        found = set(
            (
                await uow.connection.execute(
                    select(Membership.user_id).where(
                        Membership.organization_id == principal.organization_id,
                        Membership.user_id.in_(data.responder_ids),
                        Membership.status == MembershipStatus.ACTIVE,
                        Membership.role != Role.REPORTER,
                    )
                )
            ).scalars()
        )
        missing = [str(user_id) for user_id in data.responder_ids if user_id not in found]
        if missing:
            raise Unprocessable(
                "Some responders are not active field members of this organization.",
                code=ErrorCode.REFERENCE_NOT_FOUND,
                errors=[{"pointer": "#/responder_ids", "missing": missing}],
            )
    if data.team_ids:
        found = set(
            (
                await uow.connection.execute(
                    # A shared lock keeps a team from being deleted between this check and the assignment.
                    select(Team.id)
                    .where(Team.organization_id == principal.organization_id, Team.id.in_(data.team_ids))
                    .with_for_update(read=True)
                )
            ).scalars()
        )
        missing = [str(team_id) for team_id in data.team_ids if team_id not in found]
        if missing:
            raise Unprocessable(
                "Some teams do not exist in this organization.",
                code=ErrorCode.REFERENCE_NOT_FOUND,
                errors=[{"pointer": "#/team_ids", "missing": missing}],
            )


async def _assignments(uow: UnitOfWork, alert_id: UUID) -> list[AssignmentRead]:
    rows = (
        await uow.connection.execute(
            select(AlertAssignment).where(AlertAssignment.alert_id == alert_id).order_by(AlertAssignment.id)
        )
    ).all()
    return [AssignmentRead.model_validate(row._mapping) for row in rows]


async def assign(uow: UnitOfWork, principal: Principal, alert_id: UUID, data: AssignmentCreate) -> list[AssignmentRead]:
    """Adds responders and teams to an alert; ones already assigned are left as they are."""
    async with uow:
        row = await _fetch(uow, principal, alert_id, lock=True)
        if AlertStatus(row.status) not in OPEN_STATUSES:
            raise Conflict("The alert is closed; reopen it before assigning.", code=ErrorCode.ALERT_CLOSED)
        await _require_references(uow, principal, data)
        current = await _assignments(uow, alert_id)
        have_responders = {a.responder_id for a in current}
        have_teams = {a.team_id for a in current}
        now = utcnow()
        new_rows: list[dict[str, Any]] = [
            {"responder_id": rid, "team_id": None}
            for rid in dict.fromkeys(data.responder_ids)
            if rid not in have_responders
        ] + [{"responder_id": None, "team_id": tid} for tid in dict.fromkeys(data.team_ids) if tid not in have_teams]
        for values in new_rows:
            values |= {
                "id": new_id(),
                "organization_id": principal.organization_id,
                "alert_id": alert_id,
                "assigned_by_id": principal.user_id,
                "assigned_at": now,
            }
        if new_rows:
            await uow.connection.execute(insert(AlertAssignment), new_rows)
            uow.record(
                alert_event(
                    "assigned",
                    alert_id=alert_id,
                    organization_id=principal.organization_id,
                    actor_id=principal.user_id,
                    responder_ids=[v["responder_id"] for v in new_rows if v["responder_id"]],
                    team_ids=[v["team_id"] for v in new_rows if v["team_id"]],
                )
            )
        result = await _assignments(uow, alert_id)
        await uow.commit()
    return result


async def list_assignments(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> list[AssignmentRead]:
    async with uow.read():
        await _fetch(uow, principal, alert_id)
        return await _assignments(uow, alert_id)


async def unassign(uow: UnitOfWork, principal: Principal, alert_id: UUID, assignment_id: UUID) -> None:
    async with uow:
        await _fetch(uow, principal, alert_id, lock=True)
        target = (
            await uow.connection.execute(
                select(AlertAssignment).where(
                    and_(AlertAssignment.id == assignment_id, AlertAssignment.alert_id == alert_id)
                )
            )
        ).first()
        if target is None:
            raise NotFound(f"No assignment {assignment_id} on this alert.", resource="assignment")
        await uow.connection.execute(delete(AlertAssignment).where(AlertAssignment.id == assignment_id))
        uow.record(
            alert_event(
                "unassigned",
                alert_id=alert_id,
                organization_id=principal.organization_id,
                actor_id=principal.user_id,
                responder_id=target.responder_id,
                team_id=target.team_id,
            )
        )
        await uow.commit()


def alert_ids_visible(principal: Principal, alert_ids: Sequence[UUID]) -> Select[Any]:
    return select(Alert.id).where(Alert.id.in_(alert_ids), visible_alerts(principal))
