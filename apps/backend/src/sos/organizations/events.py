"""Events about the organization itself."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "organization"


def organization_event(event_type: str, *, organization_id: UUID, actor_id: UUID | None, **payload: Any) -> DomainEvent:
    return DomainEvent(
        type=f"organization.{event_type}",
        aggregate_type=AGGREGATE,
        aggregate_id=organization_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload=payload,
    )
