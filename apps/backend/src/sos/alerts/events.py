"""Events the alert aggregate emits. Payloads carry ids and values only, never whole rows."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def alert_event(
    event_type: str, *, alert_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "alert", event_type, aggregate_id=alert_id, organization_id=organization_id, actor_id=actor_id, **payload
    )
