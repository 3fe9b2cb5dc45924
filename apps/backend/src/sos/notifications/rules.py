"""Turning users' notification rules into planned sends: which contact methods, when, and quiet hours.

Planned for every recipient of an event at once, in three queries whatever their number: an escalation to a large
team must not cost the notification consumer a round trip per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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


@dataclass(frozen=True, slots=True)
class _Step:
    position: int
    delay_seconds: int
    contact_method_id: UUID
    channel: NotificationChannel


def _usable() -> Any:
    return (
        ContactMethod.verified_at.is_not(None)
        & ContactMethod.opted_out_at.is_(None)
        & ContactMethod.disabled_at.is_(None)
    )


async def _rules(
    connection: AsyncConnection, organization_id: UUID, user_ids: Sequence[UUID]
) -> dict[tuple[UUID, Urgency], list[_Step]]:
    rows = await connection.execute(
        select(
            NotificationRuleStep.user_id,
            NotificationRuleStep.urgency,
            NotificationRuleStep.position,
            NotificationRuleStep.delay_seconds,
            ContactMethod.id,
            ContactMethod.channel,
        )
        .join(ContactMethod, ContactMethod.id == NotificationRuleStep.contact_method_id)
        .where(
            NotificationRuleStep.organization_id == organization_id,
            NotificationRuleStep.user_id.in_(user_ids),
            _usable(),
        )
        .order_by(NotificationRuleStep.position)
    )
    found: dict[tuple[UUID, Urgency], list[_Step]] = defaultdict(list)
    for row in rows:
        found[(row.user_id, Urgency(row.urgency))].append(
            _Step(row.position, row.delay_seconds, row.id, NotificationChannel(row.channel))
        )
    return found


async def _default_rules(
    connection: AsyncConnection, organization_id: UUID, user_ids: Sequence[UUID]
) -> dict[UUID, list[_Step]]:
    rows = await connection.execute(
        select(ContactMethod.user_id, ContactMethod.id, ContactMethod.channel)
        .where(
            ContactMethod.organization_id == organization_id,
            ContactMethod.user_id.in_(user_ids),
            ContactMethod.channel.in_(DEFAULT_RULE_CHANNELS),
            _usable(),
        )
        .order_by(ContactMethod.created_at, ContactMethod.id)
    )
    found: dict[UUID, list[_Step]] = defaultdict(list)
    for row in rows:
        steps = found[row.user_id]
        steps.append(_Step(len(steps), 0, row.id, NotificationChannel(row.channel)))
    return found


async def _quiet_hours(
    connection: AsyncConnection, organization_id: UUID, user_ids: Sequence[UUID]
) -> dict[UUID, QuietHours]:
    rows = await connection.execute(
        select(NotificationPreference).where(
            NotificationPreference.organization_id == organization_id,
            NotificationPreference.user_id.in_(user_ids),
            NotificationPreference.quiet_start.is_not(None),
            NotificationPreference.quiet_end.is_not(None),
        )
    )
    return {row.user_id: QuietHours(start=row.quiet_start, end=row.quiet_end, timezone=row.timezone) for row in rows}


async def plans_for(
    connection: AsyncConnection, organization_id: UUID, user_ids: Sequence[UUID], urgency: Urgency, now: datetime
) -> dict[UUID, list[PlannedStep]]:
    """Each user's rule for ``urgency`` (critical falls back to the default rule, and that to every push device and
    email), each step timed from ``now``; outside critical alerts, steps in quiet hours wait for them to end."""
    if not user_ids:
        return {}
    rules = await _rules(connection, organization_id, user_ids)
    defaults = await _default_rules(connection, organization_id, user_ids)
    quiet = {} if urgency is Urgency.CRITICAL else await _quiet_hours(connection, organization_id, user_ids)
    plans: dict[UUID, list[PlannedStep]] = {}
    for user_id in user_ids:
        steps = rules.get((user_id, urgency)) or []
        if not steps and urgency is Urgency.CRITICAL:
            steps = rules.get((user_id, Urgency.DEFAULT)) or []
        if not steps:
            steps = defaults.get(user_id, [])
        planned = []
        for step in steps:
            due = now + timedelta(seconds=step.delay_seconds)
            if user_id in quiet:
                due = quiet[user_id].end_after(due)
            planned.append(PlannedStep(step.position, step.contact_method_id, step.channel, due))
        plans[user_id] = planned
    return plans
