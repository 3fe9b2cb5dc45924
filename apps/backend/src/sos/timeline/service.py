"""Reads of the timeline projection, oldest first.

The projection is filled asynchronously from the outbox, so an entry appears shortly after its change commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Table, and_, or_, select

from sos.alerts.models import Alert
from sos.alerts.visibility import visible_alerts
from sos.auth.principal import Principal
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.uow import UnitOfWork
from sos.incidents.service import fetch_incident
from sos.messages.service import require_visible_alert
from sos.timeline.models import TimelineEntry
from sos.timeline.schemas import TimelineEntryRead

_ENTRIES = cast(Table, TimelineEntry.__table__)


def _after(cursor: str) -> ColumnElement[bool]:
    occurred_at, entry_id = cast(tuple[datetime, UUID], decode_cursor(cursor, datetime, UUID))
    return or_(
        TimelineEntry.occurred_at > occurred_at,
        and_(TimelineEntry.occurred_at == occurred_at, TimelineEntry.id > entry_id),
    )


async def _page(
    uow: UnitOfWork, principal: Principal, scope: ColumnElement[bool], *, cursor: str | None, limit: int
) -> Page[TimelineEntryRead]:
    query = select(_ENTRIES).where(TimelineEntry.organization_id == principal.organization_id, scope)
    if cursor is not None:
        query = query.where(_after(cursor))
    query = query.order_by(TimelineEntry.occurred_at, TimelineEntry.id).limit(limit + 1)
    rows = (await uow.connection.execute(query)).all()
    items = [TimelineEntryRead.model_validate(row._mapping) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].occurred_at, items[-1].id) if len(rows) > limit else None
    return Page[TimelineEntryRead](items=items, next_cursor=next_cursor)


def _visible_alert_ids(principal: Principal) -> Select[Any]:
    return select(Alert.id).where(visible_alerts(principal))


async def alert_timeline(
    uow: UnitOfWork, principal: Principal, alert_id: UUID, *, cursor: str | None, limit: int
) -> Page[TimelineEntryRead]:
    async with uow.read():
        await require_visible_alert(uow, principal, alert_id)
        return await _page(uow, principal, TimelineEntry.alert_id == alert_id, cursor=cursor, limit=limit)


async def incident_timeline(
    uow: UnitOfWork, principal: Principal, incident_id: UUID, *, cursor: str | None, limit: int
) -> Page[TimelineEntryRead]:
    """The incident's own entries and those of the alerts now in it; never entries of alerts hidden from the caller."""
    own = TimelineEntry.incident_id == incident_id
    if not principal.is_staff:
        own &= or_(TimelineEntry.alert_id.is_(None), TimelineEntry.alert_id.in_(_visible_alert_ids(principal)))
    members = _visible_alert_ids(principal).where(Alert.incident_id == incident_id)
    scope = or_(own, TimelineEntry.alert_id.in_(members))
    async with uow.read():
        await fetch_incident(uow, principal, incident_id)
        return await _page(uow, principal, scope, cursor=cursor, limit=limit)
