"""Events about on-call schedules and their overrides."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def schedule_event(
    event_type: str, *, schedule_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "schedule", event_type, aggregate_id=schedule_id, organization_id=organization_id, actor_id=actor_id, **payload
    )
