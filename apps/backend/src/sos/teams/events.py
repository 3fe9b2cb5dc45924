"""Events about teams, their hierarchy and their members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "team"


def team_event(
    event_type: str, *, team_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    body = {"team_id": str(team_id), **{key: _plain(value) for key, value in payload.items()}}
    return DomainEvent(
        type=f"team.{event_type}",
        aggregate_type=AGGREGATE,
        aggregate_id=team_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload=body,
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, UUID) else value
