"""Events of an organization's provider accounts; payloads never carry settings or secrets."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.core.events import DomainEvent, aggregate_event


def provider_event(
    event_type: str, *, provider_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "notification_provider",
        event_type,
        aggregate_id=provider_id,
        organization_id=organization_id,
        actor_id=actor_id,
        **payload,
    )
