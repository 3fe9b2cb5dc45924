"""Events the alert aggregate emits. Payloads carry ids and values only, never whole rows."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "alert"


def alert_event(
    event_type: str, *, alert_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    body = {"alert_id": str(alert_id), **{key: _plain(value) for key, value in payload.items()}}
    return DomainEvent(
        type=f"alert.{event_type}",
        aggregate_type=AGGREGATE,
        aggregate_id=alert_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload=body,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
