"""Events the check-in timer emits. ``checkin.expired`` carries ``alert_id``, so it lands on the SOS's timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def checkin_event(
    event_type: str, *, checkin_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "checkin", event_type, aggregate_id=checkin_id, organization_id=organization_id, actor_id=actor_id, **payload
    )
