"""Builders for notification tests: alert events handed straight to the notification consumer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from sos.alerts.events import alert_event
from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.ids import new_id
from sos.notifications.consumer import NotificationConsumer
from sos.notifications.models import Notification, NotificationAttempt
from tests.factories import Tenant


class BrokerDown:
    """A job queue whose broker is unreachable."""

    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str | None = None) -> None:
        raise ConnectionError("redis is down")

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def join(self) -> None:
        return None


async def settle(container: Container) -> None:
    """Relays the outbox, runs the jobs it caused, and relays the events those jobs recorded."""
    await container.relay.drain()
    await container.jobs.join()
    await container.relay.drain()


def escalated(tenant: Tenant, alert_id: str, user_ids: Sequence[UUID], *, tier: int = 0) -> DomainEvent:
    return alert_event(
        "escalated",
        alert_id=UUID(alert_id),
        organization_id=tenant.organization_id,
        actor_id=None,
        escalation_id=new_id(),
        policy_id=new_id(),
        tier=tier,
        cycle=0,
        user_ids=list(user_ids),
        responder_ids=[],
        targets=[],
    )


def assigned(
    tenant: Tenant,
    alert_id: str,
    *,
    responder_ids: Sequence[UUID] = (),
    team_ids: Sequence[UUID] = (),
    **extra: Any,
) -> DomainEvent:
    return alert_event(
        "assigned",
        alert_id=UUID(alert_id),
        organization_id=tenant.organization_id,
        actor_id=tenant.coordinator.user_id,
        responder_ids=list(responder_ids),
        team_ids=list(team_ids),
        **extra,
    )


async def consume(container: Container, *events: DomainEvent) -> int:
    applied = await consume_once(container.uow_factory, NotificationConsumer(container.jobs), list(events))
    await settle(container)
    return applied


async def notifications_of(container: Container, user_id: UUID) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
        return list(rows.all())


async def attempts_of(container: Container, notification_id: UUID) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(NotificationAttempt).where(NotificationAttempt.notification_id == notification_id)
        )
        return list(rows.all())


async def count_events(container: Container, event_type: str, notification_id: UUID) -> int:
    async with container.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == event_type, OutboxEvent.aggregate_id == notification_id)
        )
        return int(count or 0)


async def pending_notification(container: Container, user_id: UUID, event: DomainEvent) -> UUID:
    """Handles ``event`` while the broker is down, leaving the user's notification pending."""
    await consume_once(container.uow_factory, NotificationConsumer(BrokerDown()), [event])
    (notification,) = await notifications_of(container, user_id)
    assert notification.status == "pending"
    return UUID(str(notification.id))
