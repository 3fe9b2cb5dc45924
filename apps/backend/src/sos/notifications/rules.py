"""Turning a user's notification rule into planned sends: which contact methods, when, and quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.contacts.domain import QuietHours
from sos.contacts.models import ContactMethod, NotificationPreference, NotificationRuleStep
from sos.notifications.domain import PUSH_CHANNELS, NotificationChannel, Urgency

DEFAULT_RULE_CHANNELS = PUSH_CHANNELS | {NotificationChannel.EMAIL}
"""With no rule of their own, a user is notified at once on every verified push device and email address."""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    position: int
    contact_method_id: UUID
    channel: NotificationChannel
    due_at: datetime


def _usable() -> Any:
    return (
        ContactMethod.verified_at.is_not(None)
        & ContactMethod.opted_out_at.is_(None)
        & ContactMethod.disabled_at.is_(None)
    )


async def _rule(connection: AsyncConnection, organization_id: UUID, user_id: UUID, urgency: Urgency) -> list[Any]:
    rows = await connection.execute(
        select(
            NotificationRuleStep.position, NotificationRuleStep.delay_seconds, ContactMethod.id, ContactMethod.channel
        )
        .join(ContactMethod, ContactMethod.id == NotificationRuleStep.contact_method_id)
        .where(
            NotificationRuleStep.organization_id == organization_id,
            NotificationRuleStep.user_id == user_id,
            NotificationRuleStep.urgency == urgency,
            _usable(),
        )
        .order_by(NotificationRuleStep.position)
    )
    return list(rows)


async def _default_rule(connection: AsyncConnection, organization_id: UUID, user_id: UUID) -> list[Any]:
    rows = await connection.execute(
        select(ContactMethod.id, ContactMethod.channel)
        .where(
            ContactMethod.organization_id == organization_id,
            ContactMethod.user_id == user_id,
            ContactMethod.channel.in_(DEFAULT_RULE_CHANNELS),
            _usable(),
        )
        .order_by(ContactMethod.created_at, ContactMethod.id)
    )
    return [(position, 0, row.id, row.channel) for position, row in enumerate(rows)]


async def quiet_hours(connection: AsyncConnection, organization_id: UUID, user_id: UUID) -> QuietHours | None:
    row = (
        await connection.execute(
            select(NotificationPreference).where(
                NotificationPreference.organization_id == organization_id, NotificationPreference.user_id == user_id
            )
        )
    ).first()
    if row is None or row.quiet_start is None or row.quiet_end is None:
        return None
    return QuietHours(start=row.quiet_start, end=row.quiet_end, timezone=row.timezone)


async def steps_for(
    connection: AsyncConnection, organization_id: UUID, user_id: UUID, urgency: Urgency, now: datetime
) -> list[PlannedStep]:
    """The user's rule for ``urgency`` (critical falls back to the default rule, and that to every push device and
    email), each step timed from ``now``; outside critical alerts, steps in quiet hours wait for them to end."""
    steps = await _rule(connection, organization_id, user_id, urgency)
    if not steps and urgency is Urgency.CRITICAL:
        steps = await _rule(connection, organization_id, user_id, Urgency.DEFAULT)
    if not steps:
        steps = await _default_rule(connection, organization_id, user_id)
    quiet = None if urgency is Urgency.CRITICAL else await quiet_hours(connection, organization_id, user_id)
    planned = []
    for position, delay, method_id, channel in steps:
        due = now + timedelta(seconds=delay)
        if quiet is not None:
            due = quiet.end_after(due)
        planned.append(PlannedStep(position, method_id, NotificationChannel(channel), due))
    return planned
