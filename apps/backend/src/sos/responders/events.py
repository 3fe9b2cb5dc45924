"""Events about responder profiles: skills, availability and location fixes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "responder"


def responder_event(
    event_type: str, *, profile_id: UUID, user_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return DomainEvent(
        type=f"responder.{event_type}",
        aggregate_type=AGGREGATE,
        aggregate_id=profile_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload={"user_id": str(user_id), **payload},
    )
