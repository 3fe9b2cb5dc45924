"""Events the incident aggregate emits. Payloads carry "incident_id", so each lands on the incident's timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "incident"


def incident_event(
    event_type: str, *, incident_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    body = {"incident_id": str(incident_id), **{key: plain(value) for key, value in payload.items()}}
    return DomainEvent(
        type=f"{AGGREGATE}.{event_type}",
        aggregate_type=AGGREGATE,
        aggregate_id=incident_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload=body,
    )


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value``: ids and enums as strings, lists and dicts element by element."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
