"""Events about escalation policies, and the escalation steps that land on an alert's timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.alerts.events import alert_event
from sos.core.events import DomainEvent, aggregate_event


def policy_event(
    event_type: str, *, policy_id: UUID, organization_id: UUID, actor_id: UUID | None, **payload: Any
) -> DomainEvent:
    return aggregate_event(
        "escalation_policy",
        event_type,
        aggregate_id=policy_id,
        organization_id=organization_id,
        actor_id=actor_id,
        **payload,
    )


def escalation_event(
    event_type: str, *, alert_id: UUID, organization_id: UUID, escalation_id: UUID, **payload: Any
) -> DomainEvent:
    """``alert.<event_type>``, recorded by the system on the alert's own stream so it stays in order with it."""
    return alert_event(
        event_type,
        alert_id=alert_id,
        organization_id=organization_id,
        actor_id=None,
        escalation_id=escalation_id,
        **payload,
    )
