"""Starts, restarts and stops alert escalations as the alert's events come in.

Events may arrive twice or late, so every decision reads the alert as it is now: an escalation runs only while its
alert is triggered, and a restart that an escalation started later than the event already covers is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from sos.alerts.domain import AlertStatus
from sos.alerts.models import Alert
from sos.core.bus import Consumer
from sos.core.db import utcnow
from sos.core.events import DomainEvent
from sos.core.uow import UnitOfWork
from sos.escalation import state
from sos.escalation.domain import STOPPING_EVENTS, EscalationStatus, StartReason

_STARTING_EVENTS = frozenset({"alert.triggered", "alert.assigned", "alert.reopened"})


async def _alert_status(uow: UnitOfWork, alert_id: UUID) -> AlertStatus | None:
    status = await uow.connection.scalar(select(Alert.status).where(Alert.id == alert_id))
    return AlertStatus(status) if status is not None else None


def _covers(current: Any, occurred_at: datetime) -> bool:
    """The escalation already (re)started for this event or a later one."""
    return current is not None and current.started_at >= occurred_at


class EscalationConsumer(Consumer):
    name = "escalation"
    event_types = _STARTING_EVENTS | frozenset(STOPPING_EVENTS)

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        for event in events:
            if event.type in _STARTING_EVENTS and "escalation_id" not in event.payload:
                await self._start(uow, event)
            elif event.type in STOPPING_EVENTS:
                await self._stop(uow, event)

    async def _start(self, uow: UnitOfWork, event: DomainEvent) -> None:
        alert_id = UUID(event.payload["alert_id"])
        if await _alert_status(uow, alert_id) is not AlertStatus.TRIGGERED:
            return
        current = await state.escalation_of(uow, alert_id, lock=True)
        if _covers(current, event.occurred_at):
            return
        policy_id = await self._policy_for(uow, event, current)
        if policy_id is None:
            return
        reason = {
            "alert.triggered": StartReason.TRIGGERED,
            "alert.assigned": StartReason.REASSIGNED,
            "alert.reopened": StartReason.REOPENED,
        }[event.type]
        uow.record(
            await state.start(
                uow,
                current=current,
                alert_id=alert_id,
                organization_id=event.organization_id,
                policy_id=policy_id,
                reason=reason,
                started_at=event.occurred_at,
                now=utcnow(),
            )
        )

    async def _policy_for(self, uow: UnitOfWork, event: DomainEvent, current: Any) -> UUID | None:
        if event.type == "alert.assigned":
            team_ids = [UUID(team_id) for team_id in event.payload.get("team_ids", [])]
            team_policy = await state.first_team_policy_id(uow, event.organization_id, team_ids)
            return team_policy or (current.policy_id if current is not None else None)
        if event.type == "alert.triggered" and current is not None:
            return None
        return await state.default_policy_id(uow, event.organization_id)

    async def _stop(self, uow: UnitOfWork, event: DomainEvent) -> None:
        alert_id = UUID(event.payload["alert_id"])
        # A late stop must not end an escalation the alert's reopening has started since.
        if await _alert_status(uow, alert_id) in {AlertStatus.TRIGGERED, None}:
            return
        current = await state.escalation_of(uow, alert_id, lock=True)
        if current is None or EscalationStatus(current.status) is not EscalationStatus.ACTIVE:
            return
        uow.record(await state.stop(uow, current, STOPPING_EVENTS[event.type], utcnow()))
