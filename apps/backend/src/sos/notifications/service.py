"""Notification use cases: create them from events, deliver them in a job, and the user's in-app inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Table, and_, insert, select, update

from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import NotFound
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.uow import UnitOfWork
from sos.notifications import rules
from sos.notifications.domain import (
    INBOX_STATUSES,
    AttemptStatus,
    NotificationChannel,
    NotificationPurpose,
    NotificationStatus,
    Urgency,
)
from sos.notifications.events import notification_event
from sos.notifications.models import Notification, NotificationAttempt
from sos.notifications.schemas import NotificationRead
from sos.users.domain import MembershipStatus
from sos.users.models import Membership

_NOTIFICATIONS = cast(Table, Notification.__table__)
DELIVER_TASK = "notifications.deliver"
DELIVER_MANY_TASK = "notifications.deliver_many"


@dataclass(frozen=True, slots=True)
class Content:
    title: str
    body: str


def dedup_key(event: DomainEvent, user_id: UUID, channel: NotificationChannel) -> str:
    return f"{event.id}:{user_id}:{channel.value}"


def delivery_key(notification_id: UUID) -> str:
    return f"{DELIVER_TASK}:{notification_id}"


async def _active_members(uow: UnitOfWork, organization_id: UUID, user_ids: Sequence[UUID]) -> list[UUID]:
    """The users, in the order given and once each, who are active members of the organization."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    rows = await uow.connection.execute(
        select(Membership.user_id).where(
            Membership.organization_id == organization_id,
            Membership.user_id.in_(wanted),
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    found = set(rows.scalars())
    return [user_id for user_id in wanted if user_id in found]


def _row(
    event_type: str,
    organization_id: UUID,
    user_id: UUID,
    channel: NotificationChannel,
    content: Content,
    dedup: str,
    *,
    alert_id: UUID | None,
    now: datetime,
    purpose: NotificationPurpose = NotificationPurpose.PAGE,
    urgency: Urgency = Urgency.DEFAULT,
    contact_method_id: UUID | None = None,
    step: int = 0,
    due_at: datetime | None = None,
) -> dict[str, Any]:
    due = due_at or now
    return {
        "id": new_id(),
        "organization_id": organization_id,
        "user_id": user_id,
        "alert_id": alert_id,
        "kind": event_type,
        "purpose": purpose,
        "urgency": urgency,
        "channel": channel,
        "contact_method_id": contact_method_id,
        "step": step,
        "title": content.title,
        "body": content.body,
        "status": NotificationStatus.PENDING,
        "dedup_key": dedup,
        "attempts": 0,
        "rounds": 0,
        "created_at": now,
        "due_at": due,
        "enqueued_at": now if due <= now else None,
        "lease_until": None,
        "bundle_id": None,
        "sent_at": None,
        "delivered_at": None,
        "read_at": None,
        "last_error": None,
    }


async def _existing_keys(uow: UnitOfWork, organization_id: UUID, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    rows = await uow.connection.execute(
        select(Notification.dedup_key).where(
            Notification.organization_id == organization_id, Notification.dedup_key.in_(list(keys))
        )
    )
    return set(rows.scalars())


async def create_pages(
    uow: UnitOfWork,
    event: DomainEvent,
    user_ids: Sequence[UUID],
    content: Content,
    *,
    alert_id: UUID | None,
    urgency: Urgency,
) -> list[UUID]:
    """The notifications of ``event`` for each user who has none yet: one in-app, plus one per step of the user's
    notification rule for ``urgency``. Returns the ids that are due now; the sweeper sends the others when due."""
    recipients = await _active_members(uow, event.organization_id, user_ids)
    now = utcnow()
    plans = await rules.plans_for(uow.connection, event.organization_id, recipients, urgency, now)
    rows: list[dict[str, Any]] = []
    for user_id in recipients:
        rows.append(
            _row(
                event.type,
                event.organization_id,
                user_id,
                NotificationChannel.IN_APP,
                content,
                dedup_key(event, user_id, NotificationChannel.IN_APP),
                alert_id=alert_id,
                now=now,
                urgency=urgency,
            )
        )
        for step in plans[user_id]:
            rows.append(
                _row(
                    event.type,
                    event.organization_id,
                    user_id,
                    step.channel,
                    content,
                    f"{event.id}:{user_id}:s{step.position}",
                    alert_id=alert_id,
                    now=now,
                    urgency=urgency,
                    contact_method_id=step.contact_method_id,
                    step=step.position,
                    due_at=step.due_at,
                )
            )
    existing = await _existing_keys(uow, event.organization_id, [row["dedup_key"] for row in rows])
    fresh = [row for row in rows if row["dedup_key"] not in existing]
    if fresh:
        await uow.connection.execute(insert(Notification), fresh)
    return [row["id"] for row in fresh if row["enqueued_at"] is not None]


async def create_direct(
    uow: UnitOfWork,
    *,
    organization_id: UUID,
    user_id: UUID,
    contact_method_id: UUID,
    channel: NotificationChannel,
    purpose: NotificationPurpose,
    title: str,
    body: str,
) -> UUID:
    """A notification to one contact method that is due now, such as a verification code or a test message.

    The caller records an event naming its ``notification_id``; the notification consumer enqueues the delivery.
    """
    row = _row(
        f"contact_method.{purpose.value}",
        organization_id,
        user_id,
        channel,
        Content(title=title, body=body),
        f"{purpose.value}:{new_id()}",
        alert_id=None,
        now=utcnow(),
        purpose=purpose,
        contact_method_id=contact_method_id,
    )
    await uow.connection.execute(insert(Notification).values(row))
    return UUID(str(row["id"]))


async def cancel_user_pages(uow: UnitOfWork, organization_id: UUID, user_id: UUID, alert_id: UUID, reason: str) -> None:
    """Every page still waiting for one user about one alert, whatever caused it."""
    await uow.connection.execute(
        update(_NOTIFICATIONS)
        .where(
            Notification.organization_id == organization_id,
            Notification.user_id == user_id,
            Notification.alert_id == alert_id,
            Notification.purpose == NotificationPurpose.PAGE,
            Notification.status == NotificationStatus.PENDING,
            Notification.channel != NotificationChannel.IN_APP,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=f"not needed any more: {reason}")
    )


async def cancel_pages(uow: UnitOfWork, event: DomainEvent) -> None:
    """Pages still waiting for an alert that was acknowledged (escalation pages to everyone, and every page to
    whoever acknowledged) or closed (all of them)."""
    alert_id = event.payload.get("alert_id")
    if not alert_id:
        return
    if event.type == "alert.acknowledged" and event.actor_id is not None:
        await cancel_user_pages(uow, event.organization_id, event.actor_id, UUID(str(alert_id)), event.type)
    kinds = ["alert.escalated"] if event.type == "alert.acknowledged" else None
    query = (
        update(_NOTIFICATIONS)
        .where(
            Notification.organization_id == event.organization_id,
            Notification.alert_id == UUID(str(alert_id)),
            Notification.purpose == NotificationPurpose.PAGE,
            Notification.status == NotificationStatus.PENDING,
            Notification.channel != NotificationChannel.IN_APP,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=f"not needed any more: {event.type}")
    )
    if kinds is not None:
        query = query.where(Notification.kind.in_(kinds))
    await uow.connection.execute(query)


async def _lock_pending(uow: UnitOfWork, notification_ids: Sequence[UUID]) -> list[Any]:
    rows = await uow.connection.execute(
        select(_NOTIFICATIONS)
        .where(Notification.id.in_(list(notification_ids)))
        .order_by(Notification.id)
        .with_for_update()
    )
    return [row for row in rows if row.status == NotificationStatus.PENDING]


def _attempt(row: Any, status: AttemptStatus, *, started_at: Any, error: str | None = None) -> dict[str, Any]:
    return {
        "id": new_id(),
        "notification_id": row.id,
        "channel": row.channel,
        "status": status,
        "error": error,
        "started_at": started_at,
        "finished_at": utcnow(),
    }


def _event(event_type: str, row: Any, *, actor_id: UUID | None = None, **payload: Any) -> DomainEvent:
    return notification_event(
        event_type,
        notification_id=row.id,
        organization_id=row.organization_id,
        actor_id=actor_id,
        alert_id=row.alert_id,
        user_id=row.user_id,
        channel=row.channel,
        kind=row.kind,
        **payload,
    )


async def deliver_in_app(uow: UnitOfWork, notification_ids: Sequence[UUID]) -> int:
    """Puts the in-app notifications among ``notification_ids`` that are still pending in their users' inboxes,
    all inside ``uow``; returns how many it delivered."""
    rows = await _lock_pending(uow, notification_ids)
    if not rows:
        return 0
    started_at = utcnow()
    await uow.connection.execute(
        update(_NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(status=NotificationStatus.DELIVERED, delivered_at=utcnow(), attempts=Notification.attempts + 1)
    )
    await uow.connection.execute(
        insert(NotificationAttempt), [_attempt(row, AttemptStatus.SUCCEEDED, started_at=started_at) for row in rows]
    )
    for row in rows:
        uow.record(_event("delivered", row, attempt=row.attempts + 1))
    return len(rows)


async def fail(uow: UnitOfWork, notification_id: UUID, error: str) -> bool:
    """Fails a notification whose job gave up retrying, bringing the user's next rule step forward; False when it
    was not pending or sending any more."""
    from sos.notifications.pipeline import fail_rows

    row = (
        await uow.connection.execute(select(_NOTIFICATIONS).where(Notification.id == notification_id).with_for_update())
    ).first()
    if row is None or row.status not in (NotificationStatus.PENDING, NotificationStatus.SENDING):
        return False
    await uow.connection.execute(
        update(_NOTIFICATIONS).where(Notification.id == notification_id).values(attempts=Notification.attempts + 1)
    )
    await uow.connection.execute(
        insert(NotificationAttempt).values(_attempt(row, AttemptStatus.FAILED, started_at=utcnow(), error=error))
    )
    await fail_rows(
        uow, [row], "…" if row.channel != NotificationChannel.IN_APP else "in app", error, attempt=row.attempts + 1
    )
    return True


def _inbox(principal: Principal) -> ColumnElement[bool]:
    return and_(
        Notification.organization_id == principal.organization_id,
        Notification.user_id == principal.user_id,
        Notification.channel == NotificationChannel.IN_APP,
        Notification.status.in_(INBOX_STATUSES),
    )


async def list_notifications(
    uow: UnitOfWork, principal: Principal, *, unread_only: bool, cursor: str | None, limit: int
) -> Page[NotificationRead]:
    """The caller's in-app notifications, newest first by time-ordered id."""
    query = select(_NOTIFICATIONS).where(_inbox(principal))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(Notification.id < after)
    query = query.order_by(Notification.id.desc()).limit(limit + 1)
    async with uow.read():
        rows = (await uow.connection.execute(query)).all()
    items = [NotificationRead.model_validate(row._mapping) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page[NotificationRead](items=items, next_cursor=next_cursor)


async def mark_read(uow: UnitOfWork, principal: Principal, notification_id: UUID) -> NotificationRead:
    """Marks one of the caller's notifications read; reading it again changes nothing."""
    async with uow:
        row = (
            await uow.connection.execute(
                select(_NOTIFICATIONS).where(Notification.id == notification_id, _inbox(principal)).with_for_update()
            )
        ).first()
        if row is None:
            raise NotFound(
                f"No notification {notification_id} for you.", resource="notification", id=str(notification_id)
            )
        if row.status == NotificationStatus.READ:
            return NotificationRead.model_validate(row._mapping)
        read_at = utcnow()
        await uow.connection.execute(
            update(_NOTIFICATIONS)
            .where(Notification.id == notification_id)
            .values(status=NotificationStatus.READ, read_at=read_at)
        )
        uow.record(_event("read", row, actor_id=principal.user_id))
        await uow.commit()
    return NotificationRead.model_validate(dict(row._mapping) | {"status": NotificationStatus.READ, "read_at": read_at})
