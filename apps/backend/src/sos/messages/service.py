"""Messages on an alert (anyone who can see it, so the reporter can talk to responders) or on an incident."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Table, insert, select

from sos.alerts.service import alert_ids_visible
from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import NotFound
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.uow import UnitOfWork
from sos.incidents.service import fetch_incident
from sos.messages.events import message_posted
from sos.messages.models import Message
from sos.messages.schemas import MessageRead

_MESSAGES = cast(Table, Message.__table__)


async def require_visible_alert(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> None:
    if (await uow.connection.execute(alert_ids_visible(principal, [alert_id]))).first() is None:
        raise NotFound(f"No alert {alert_id} is visible to you.", resource="alert", id=str(alert_id))


async def _post(
    uow: UnitOfWork, principal: Principal, *, alert_id: UUID | None, incident_id: UUID | None, body: str
) -> MessageRead:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": principal.organization_id,
        "alert_id": alert_id,
        "incident_id": incident_id,
        "author_id": principal.user_id,
        "body": body,
        "created_at": utcnow(),
    }
    await uow.connection.execute(insert(_MESSAGES).values(values))
    uow.record(
        message_posted(
            message_id=values["id"],
            organization_id=principal.organization_id,
            author_id=principal.user_id,
            alert_id=alert_id,
            incident_id=incident_id,
            body=body,
        )
    )
    await uow.commit()
    return MessageRead.model_validate(values)


async def _list(
    uow: UnitOfWork, principal: Principal, subject: ColumnElement[bool], *, cursor: str | None, limit: int
) -> Page[MessageRead]:
    """Oldest first, by time-ordered id."""
    query = select(_MESSAGES).where(subject, Message.organization_id == principal.organization_id)
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(Message.id > after)
    rows = (await uow.connection.execute(query.order_by(Message.id).limit(limit + 1))).all()
    items = [MessageRead.model_validate(row._mapping) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[MessageRead](items=items, next_cursor=next_cursor)


async def post_on_alert(uow: UnitOfWork, principal: Principal, alert_id: UUID, body: str) -> MessageRead:
    async with uow:
        await require_visible_alert(uow, principal, alert_id)
        return await _post(uow, principal, alert_id=alert_id, incident_id=None, body=body)


async def list_on_alert(
    uow: UnitOfWork, principal: Principal, alert_id: UUID, *, cursor: str | None, limit: int
) -> Page[MessageRead]:
    async with uow.read():
        await require_visible_alert(uow, principal, alert_id)
        return await _list(uow, principal, Message.alert_id == alert_id, cursor=cursor, limit=limit)


async def post_on_incident(uow: UnitOfWork, principal: Principal, incident_id: UUID, body: str) -> MessageRead:
    async with uow:
        await fetch_incident(uow, principal, incident_id)
        return await _post(uow, principal, alert_id=None, incident_id=incident_id, body=body)


async def list_on_incident(
    uow: UnitOfWork, principal: Principal, incident_id: UUID, *, cursor: str | None, limit: int
) -> Page[MessageRead]:
    async with uow.read():
        await fetch_incident(uow, principal, incident_id)
        return await _list(uow, principal, Message.incident_id == incident_id, cursor=cursor, limit=limit)
