"""Projects domain events onto alert and incident timelines."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import insert

from sos.core.bus import Consumer
from sos.core.events import DomainEvent
from sos.core.uow import UnitOfWork
from sos.timeline.models import TimelineEntry

# Frequent, low-signal events that live in their own trails rather than on the timeline.
UNTIMELINED = frozenset({"alert.location_recorded", "responder.location_recorded"})


def _uuid(value: object) -> UUID | None:
    return UUID(str(value)) if value else None


class TimelineProjection(Consumer):
    name = "timeline"

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        rows = [
            {
                "organization_id": event.organization_id,
                "alert_id": _uuid(event.payload.get("alert_id")),
                "incident_id": _uuid(event.payload.get("incident_id")),
                "event_id": event.id,
                "kind": event.type,
                "actor_id": event.actor_id,
                "occurred_at": event.occurred_at,
                "data": event.payload,
            }
            for event in events
            if event.type not in UNTIMELINED and (event.payload.get("alert_id") or event.payload.get("incident_id"))
        ]
        if rows:
            await uow.connection.execute(insert(TimelineEntry), rows)
