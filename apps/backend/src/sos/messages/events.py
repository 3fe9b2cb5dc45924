"""The event a posted message emits; its "alert_id" or "incident_id" puts it on that timeline."""

from __future__ import annotations

from uuid import UUID

from sos.core.events import DomainEvent

AGGREGATE = "message"


def message_posted(
    *,
    message_id: UUID,
    organization_id: UUID,
    author_id: UUID,
    alert_id: UUID | None,
    incident_id: UUID | None,
    body: str,
) -> DomainEvent:
    subject = {"alert_id": str(alert_id)} if alert_id is not None else {"incident_id": str(incident_id)}
    return DomainEvent(
        type=f"{AGGREGATE}.posted",
        aggregate_type=AGGREGATE,
        aggregate_id=message_id,
        organization_id=organization_id,
        actor_id=author_id,
        payload=subject | {"message_id": str(message_id), "author_id": str(author_id), "body": body},
    )
