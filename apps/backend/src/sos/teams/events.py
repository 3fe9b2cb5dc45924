"""Events about teams, their hierarchy and their members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def team_event(
    event_type: str, *, team_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "team", event_type, aggregate_id=team_id, organization_id=organization_id, actor_id=actor_id, **payload
    )
