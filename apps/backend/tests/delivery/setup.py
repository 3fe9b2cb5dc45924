"""Builders for delivery tests: contact methods, rules and provider accounts written straight to the database."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update

from sos.contacts.models import ContactMethod, NotificationPreference, NotificationRuleStep
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.notifications.domain import NotificationChannel, Urgency
from sos.notifications.models import Notification, NotificationAttempt
from sos.providers.models import NotificationProvider
from sos.providers.secrets import secret_box
from tests.factories import Member, Tenant

SECRET_CHANNELS = frozenset(
    {
        NotificationChannel.WEB_PUSH,
        NotificationChannel.FCM,
        NotificationChannel.APNS,
        NotificationChannel.SLACK,
        NotificationChannel.TEAMS,
        NotificationChannel.MATTERMOST,
    }
)


async def add_contact(
    container: Container,
    member: Member,
    channel: NotificationChannel,
    address: str,
    *,
    keys: dict[str, str] | None = None,
    verified: bool = True,
) -> UUID:
    secret = None
    shown = address
    if channel in SECRET_CHANNELS:
        secret = secret_box(container.settings).seal({"address": address, "keys": keys or {}})
        shown = f"{channel.value} …{address[-4:]}"
    method_id = new_id()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(ContactMethod).values(
                id=method_id,
                organization_id=member.organization_id,
                user_id=member.user_id,
                channel=channel,
                label=channel.value,
                address=shown,
                address_key=hashlib.sha256(address.encode()).hexdigest(),
                secret=secret,
                details=None,
                created_at=utcnow(),
                verified_at=utcnow() if verified else None,
                verification_tries=0,
            )
        )
    return method_id


async def set_rule(
    container: Container, member: Member, steps: Sequence[tuple[UUID, int]], urgency: Urgency = Urgency.DEFAULT
) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(NotificationRuleStep),
            [
                {
                    "id": new_id(),
                    "organization_id": member.organization_id,
                    "user_id": member.user_id,
                    "urgency": urgency,
                    "position": position,
                    "contact_method_id": method_id,
                    "delay_seconds": delay,
                }
                for position, (method_id, delay) in enumerate(steps)
            ],
        )


async def set_quiet_hours(container: Container, member: Member, start: time, end: time, timezone: str) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(NotificationPreference).values(
                user_id=member.user_id,
                organization_id=member.organization_id,
                quiet_start=start,
                quiet_end=end,
                timezone=timezone,
                updated_at=utcnow(),
            )
        )


async def add_provider(
    container: Container,
    tenant: Tenant,
    kind: str,
    settings: dict[str, Any],
    secrets: dict[str, Any] | None = None,
    *,
    name: str | None = None,
    priority: int = 100,
    rate_limit_per_second: int | None = None,
) -> UUID:
    provider_id = new_id()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(NotificationProvider).values(
                id=provider_id,
                organization_id=tenant.organization_id,
                kind=kind,
                name=name or f"{kind}-{priority}",
                priority=priority,
                enabled=True,
                settings=settings,
                secrets=secret_box(container.settings).seal(secrets or {}),
                rate_limit_per_second=rate_limit_per_second,
                version=1,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    container.delivery.forget_configuration(tenant.organization_id)
    return provider_id


def smtp_settings(port: int, **extra: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "security": "none", "from_address": "SOS <sos@sos.test>", **extra}


async def external_notifications(container: Container, member: Member) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(Notification)
            .where(Notification.user_id == member.user_id, Notification.channel != NotificationChannel.IN_APP)
            .order_by(Notification.step, Notification.id)
        )
        return list(rows)


async def attempts_of(container: Container, notification_id: UUID) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id == notification_id)
            .order_by(NotificationAttempt.started_at, NotificationAttempt.id)
        )
        return list(rows)


async def make_due(container: Container, notification_id: UUID, moment: datetime | None = None) -> None:
    """Moves a waiting notification's due time to now, as if its delay had passed."""
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Notification).where(Notification.id == notification_id).values(due_at=moment or utcnow())
        )


async def run_due(container: Container) -> None:
    """One sweeper tick, then every job and event it caused."""
    await container.scheduler.tick(now=utcnow())
    await container.jobs.join()
    await container.relay.drain()
    await container.jobs.join()
