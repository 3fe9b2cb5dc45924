"""Events the notification aggregate emits; they carry ``alert_id`` so they show on the alert's timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def notification_event(
    event_type: str, *, notification_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "notification",
        event_type,
        aggregate_id=notification_id,
        organization_id=organization_id,
        actor_id=actor_id,
        **payload,
    )
