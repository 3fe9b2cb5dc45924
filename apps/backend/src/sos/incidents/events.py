"""Events the incident aggregate emits. Payloads carry "incident_id", so each lands on the incident's timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def incident_event(
    event_type: str, *, incident_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "incident", event_type, aggregate_id=incident_id, organization_id=organization_id, actor_id=actor_id, **payload
    )
