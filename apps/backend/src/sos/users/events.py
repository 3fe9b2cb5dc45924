"""Events about people and their memberships. They carry no alert or incident id, so no timeline shows them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "user"


def member_event(
    event_type: str, *, user_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    """``event_type`` is the full name, such as ``user.invited`` or ``membership.deactivated``."""
    return DomainEvent(
        type=event_type,
        aggregate_type=AGGREGATE,
        aggregate_id=user_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload={"user_id": str(user_id), **payload},
    )
