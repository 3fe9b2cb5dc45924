"""Incident use cases: open an incident from alerts, merge more alerts into it, edit, resolve and reopen it.

Alerts join an incident through ``alerts.incident_id``; each move bumps the alert's version and records an
``alert.merged`` event carrying both ids, so it shows on the alert's timeline and on the incident's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Table, insert, select, update

from sos.alerts.domain import Severity
from sos.alerts.events import alert_event
from sos.alerts.models import Alert
from sos.alerts.visibility import visible_alerts
from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import (
    Conflict,
    ErrorCode,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    Unprocessable,
)
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.state_machine import TransitionNotAllowed
from sos.core.uow import UnitOfWork
from sos.incidents.domain import (
    PAST_TENSE,
    IncidentAction,
    IncidentStatus,
    allowed_actions,
    highest_severity,
    next_status,
)
from sos.incidents.events import incident_event
from sos.incidents.models import Incident
from sos.incidents.schemas import IncidentCreate, IncidentRead, IncidentUpdate
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership

_INCIDENTS = cast(Table, Incident.__table__)
_ALERTS = cast(Table, Alert.__table__)
_RETRIES = 3
COMMANDER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.RESPONDER})


@dataclass(frozen=True, slots=True)
class _Candidate:
    alert_id: UUID
    incident_id: UUID | None
    severity: Severity


def _not_found(incident_id: UUID) -> NotFound:
    return NotFound(f"No incident {incident_id} in your organization.", resource="incident", id=str(incident_id))


async def fetch_incident(uow: UnitOfWork, principal: Principal, incident_id: UUID) -> Any:
    """The incident row in the caller's organization, or a 404."""
    row = (
        await uow.connection.execute(
            select(_INCIDENTS).where(Incident.id == incident_id, Incident.organization_id == principal.organization_id)
        )
    ).first()
    if row is None:
        raise _not_found(incident_id)
    return row


async def _alert_ids_by_incident(
    uow: UnitOfWork, principal: Principal, incident_ids: Sequence[UUID]
) -> dict[UUID, list[UUID]]:
    grouped: dict[UUID, list[UUID]] = defaultdict(list)
    if not incident_ids:
        return grouped
    rows = await uow.connection.execute(
        select(Alert.id, Alert.incident_id)
        .where(Alert.incident_id.in_(incident_ids), visible_alerts(principal))
        .order_by(Alert.id)
    )
    for row in rows:
        grouped[row.incident_id].append(row.id)
    return grouped


async def _read(uow: UnitOfWork, principal: Principal, values: Any) -> IncidentRead:
    incident_id: UUID = values["id"]
    alert_ids = await _alert_ids_by_incident(uow, principal, [incident_id])
    return IncidentRead.model_validate(dict(values) | {"alert_ids": alert_ids[incident_id]})


async def _require_commander(uow: UnitOfWork, principal: Principal, commander_id: UUID) -> None:
    found = (
        await uow.connection.execute(
            select(Membership.user_id).where(
                Membership.organization_id == principal.organization_id,
                Membership.user_id == commander_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role.in_(COMMANDER_ROLES),
            )
        )
    ).first()
    if found is None:
        raise Unprocessable(
            "The commander must be an active admin, coordinator or responder of this organization.",
            code=ErrorCode.REFERENCE_NOT_FOUND,
            errors=[{"pointer": "#/commander_id", "missing": [str(commander_id)]}],
        )


async def _candidates(uow: UnitOfWork, principal: Principal, alert_ids: Sequence[UUID]) -> list[_Candidate]:
    """The requested alerts, in request order; a 422 naming every one the caller cannot see."""
    wanted = list(dict.fromkeys(alert_ids))
    if not wanted:
        return []
    rows = await uow.connection.execute(
        select(Alert.id, Alert.incident_id, Alert.severity).where(Alert.id.in_(wanted), visible_alerts(principal))
    )
    found = {row.id: _Candidate(row.id, row.incident_id, Severity(row.severity)) for row in rows}
    missing = [str(alert_id) for alert_id in wanted if alert_id not in found]
    if missing:
        raise Unprocessable(
            "Some alerts do not exist in this organization.",
            code=ErrorCode.REFERENCE_NOT_FOUND,
            errors=[{"pointer": "#/alert_ids", "missing": missing}],
        )
    return [found[alert_id] for alert_id in wanted]


def _in_incident(incident_id: UUID | None) -> ColumnElement[bool]:
    return Alert.incident_id.is_(None) if incident_id is None else Alert.incident_id == incident_id


async def _move_alerts(
    uow: UnitOfWork, principal: Principal, *, incident_id: UUID, candidates: Sequence[_Candidate]
) -> int:
    """Points the alerts at the incident, guarded against concurrent moves; returns how many moved."""
    by_origin: dict[UUID | None, list[UUID]] = defaultdict(list)
    for candidate in candidates:
        if candidate.incident_id != incident_id:
            by_origin[candidate.incident_id].append(candidate.alert_id)
    now = utcnow()
    for origin, alert_ids in by_origin.items():
        result = await uow.connection.execute(
            update(_ALERTS)
            .where(Alert.id.in_(alert_ids), Alert.organization_id == principal.organization_id, _in_incident(origin))
            .values(incident_id=incident_id, version=Alert.version + 1, updated_at=now)
        )
        if result.rowcount != len(alert_ids):
            raise Conflict(
                "Some of the alerts moved to another incident while this request ran; reload and retry.",
                code=ErrorCode.CONCURRENT_MODIFICATION,
            )
        uow.record(
            *(
                alert_event(
                    "merged",
                    alert_id=alert_id,
                    organization_id=principal.organization_id,
                    actor_id=principal.user_id,
                    incident_id=incident_id,
                    from_incident_id=origin,
                )
                for alert_id in alert_ids
            )
        )
        if origin is not None:
            await _release(uow, principal, origin=origin, destination=incident_id, alert_ids=alert_ids)
    return sum(len(alert_ids) for alert_ids in by_origin.values())


async def _release(
    uow: UnitOfWork, principal: Principal, *, origin: UUID, destination: UUID, alert_ids: list[UUID]
) -> None:
    """The incident the alerts left changes too: a new version, and an entry on its timeline."""
    await uow.connection.execute(
        update(_INCIDENTS)
        .where(Incident.id == origin, Incident.organization_id == principal.organization_id)
        .values(version=Incident.version + 1, updated_at=utcnow())
    )
    uow.record(
        incident_event(
            "alerts_moved_out",
            incident_id=origin,
            organization_id=principal.organization_id,
            actor_id=principal.user_id,
            to_incident_id=destination,
            alert_ids=alert_ids,
        )
    )


async def open_incident(uow: UnitOfWork, principal: Principal, data: IncidentCreate) -> IncidentRead:
    async with uow:
        candidates = await _candidates(uow, principal, data.alert_ids)
        if data.commander_id is not None:
            await _require_commander(uow, principal, data.commander_id)
        now = utcnow()
        values: dict[str, Any] = {
            "id": new_id(),
            "organization_id": principal.organization_id,
            "title": data.title,
            "summary": data.summary,
            "severity": data.severity or highest_severity(c.severity for c in candidates),
            "status": IncidentStatus.OPEN,
            "commander_id": data.commander_id,
            "created_by_id": principal.user_id,
            "created_at": now,
            "updated_at": now,
            "resolved_at": None,
            "version": 1,
        }
        await uow.connection.execute(insert(_INCIDENTS).values(values))
        uow.record(
            incident_event(
                "opened",
                incident_id=values["id"],
                organization_id=principal.organization_id,
                actor_id=principal.user_id,
                title=data.title,
                severity=values["severity"],
                commander_id=data.commander_id,
                alert_ids=[c.alert_id for c in candidates],
            )
        )
        await _move_alerts(uow, principal, incident_id=values["id"], candidates=candidates)
        incident = await _read(uow, principal, values)
        await uow.commit()
    return incident


async def merge_alerts(
    uow: UnitOfWork, principal: Principal, incident_id: UUID, alert_ids: Sequence[UUID]
) -> IncidentRead:
    """Adds alerts to an open incident; an alert already in another incident moves here."""
    async with uow:
        row = await fetch_incident(uow, principal, incident_id)
        status = IncidentStatus(row.status)
        if status is not IncidentStatus.OPEN:
            raise InvalidTransition(
                "The incident is resolved; reopen it before merging alerts into it.",
                current_status=status.value,
                action="merge",
                allowed_actions=[a.value for a in allowed_actions(status)],
            )
        candidates = await _candidates(uow, principal, alert_ids)
        if not any(c.incident_id != incident_id for c in candidates):
            return await _read(uow, principal, row._mapping)
        now = utcnow()
        bumped = await uow.connection.execute(
            update(_INCIDENTS)
            .where(Incident.id == incident_id, Incident.status == IncidentStatus.OPEN)
            .values(version=Incident.version + 1, updated_at=now)
        )
        if bumped.rowcount != 1:
            raise Conflict(
                "The incident changed while this request ran; reload it and retry.",
                code=ErrorCode.CONCURRENT_MODIFICATION,
            )
        await _move_alerts(uow, principal, incident_id=incident_id, candidates=candidates)
        incident = await _read(uow, principal, dict(row._mapping) | {"version": row.version + 1, "updated_at": now})
        await uow.commit()
    return incident


async def get_incident(uow: UnitOfWork, principal: Principal, incident_id: UUID) -> IncidentRead:
    async with uow.read():
        row = await fetch_incident(uow, principal, incident_id)
        return await _read(uow, principal, row._mapping)


async def list_incidents(
    uow: UnitOfWork,
    principal: Principal,
    *,
    statuses: Sequence[IncidentStatus],
    cursor: str | None,
    limit: int,
) -> Page[IncidentRead]:
    """Newest first, by time-ordered id."""
    query = select(_INCIDENTS).where(Incident.organization_id == principal.organization_id)
    if statuses:
        query = query.where(Incident.status.in_(statuses))
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(Incident.id < after)
    query = query.order_by(Incident.id.desc()).limit(limit + 1)
    async with uow.read():
        rows = (await uow.connection.execute(query)).all()
        page = rows[:limit]
        alert_ids = await _alert_ids_by_incident(uow, principal, [row.id for row in page])
    items = [IncidentRead.model_validate(dict(row._mapping) | {"alert_ids": alert_ids[row.id]}) for row in page]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[IncidentRead](items=items, next_cursor=next_cursor)


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The incident is at version {row.version}, not {expected_version}; reload it and retry.",
            current_version=row.version,
        )


def _gave_up(expected_version: int | None) -> Conflict | PreconditionFailed:
    if expected_version is not None:
        return PreconditionFailed("The incident changed while this request ran; reload it and retry.")
    return Conflict(
        "The incident kept changing under this request; reload it and retry.",
        code=ErrorCode.CONCURRENT_MODIFICATION,
    )


async def _guarded_update(uow: UnitOfWork, row: Any, changes: dict[str, Any]) -> bool:
    result = await uow.connection.execute(
        update(_INCIDENTS).where(Incident.id == row.id, Incident.version == row.version).values(changes)
    )
    return bool(result.rowcount == 1)


async def update_incident(
    uow: UnitOfWork, principal: Principal, incident_id: UUID, data: IncidentUpdate, *, expected_version: int | None
) -> IncidentRead:
    """Changes the fields sent, with an optimistic version check; a stale ``expected_version`` is a 412."""
    for _attempt in range(_RETRIES):
        async with uow:
            row = await fetch_incident(uow, principal, incident_id)
            _check_version(row, expected_version)
            fields = {name: value for name, value in data.changes().items() if getattr(row, name) != value}
            if fields.get("commander_id") is not None:
                await _require_commander(uow, principal, fields["commander_id"])
            if not fields:
                return await _read(uow, principal, row._mapping)
            changes = fields | {"version": row.version + 1, "updated_at": utcnow()}
            if await _guarded_update(uow, row, changes):
                uow.record(
                    incident_event(
                        "updated",
                        incident_id=incident_id,
                        organization_id=principal.organization_id,
                        actor_id=principal.user_id,
                        changes=fields,
                        version=row.version + 1,
                    )
                )
                incident = await _read(uow, principal, dict(row._mapping) | changes)
                await uow.commit()
                return incident
    raise _gave_up(expected_version)


async def transition(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: UUID,
    action: IncidentAction,
    *,
    note: str | None,
    expected_version: int | None,
) -> IncidentRead:
    """Resolves or reopens the incident; its alerts keep their own status."""
    for _attempt in range(_RETRIES):
        async with uow:
            row = await fetch_incident(uow, principal, incident_id)
            _check_version(row, expected_version)
            current = IncidentStatus(row.status)
            try:
                target = next_status(current, action)
            except TransitionNotAllowed as exc:
                raise InvalidTransition.of(exc) from exc
            now = utcnow()
            changes: dict[str, Any] = {
                "status": target,
                "version": row.version + 1,
                "updated_at": now,
                "resolved_at": now if target is IncidentStatus.RESOLVED else None,
            }
            if await _guarded_update(uow, row, changes):
                uow.record(
                    incident_event(
                        PAST_TENSE[action],
                        incident_id=incident_id,
                        organization_id=principal.organization_id,
                        actor_id=principal.user_id,
                        from_status=current.value,
                        to_status=target.value,
                        version=row.version + 1,
                        note=note,
                    )
                )
                incident = await _read(uow, principal, dict(row._mapping) | changes)
                await uow.commit()
                return incident
    raise _gave_up(expected_version)
