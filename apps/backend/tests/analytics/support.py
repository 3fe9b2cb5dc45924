"""Alert lifecycle events with chosen times, fed straight to the analytics projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from sos.analytics.consumer import AnalyticsProjection
from sos.analytics.models import AlertResponseMetric
from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.events import DomainEvent
from sos.core.ids import new_id

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRIGGERED: dict[str, Any] = {
    "category": "medical",
    "source": "app",
    "lat": 52.5,
    "lon": 13.4,
    "accuracy_m": None,
    "note": None,
}


def alert_event(
    kind: str, alert_id: UUID, organization_id: UUID, *, after_seconds: float = 0, **payload: Any
) -> DomainEvent:
    return DomainEvent(
        type=f"alert.{kind}",
        aggregate_type="alert",
        aggregate_id=alert_id,
        organization_id=organization_id,
        payload={"alert_id": str(alert_id), **payload},
        occurred_at=T0 + timedelta(seconds=after_seconds),
    )


def lifecycle(
    organization_id: UUID,
    *,
    severity: str = "high",
    acknowledge_after: float | None = None,
    resolve_after: float | None = None,
    triggered_at_offset: float = 0,
) -> tuple[UUID, list[DomainEvent]]:
    """An alert's events: triggered, then acknowledged and resolved after the given seconds, when given."""
    alert_id = new_id()
    at = triggered_at_offset
    events = [alert_event("triggered", alert_id, organization_id, after_seconds=at, severity=severity, **TRIGGERED)]
    if acknowledge_after is not None:
        events.append(alert_event("acknowledged", alert_id, organization_id, after_seconds=at + acknowledge_after))
    if resolve_after is not None:
        events.append(alert_event("resolved", alert_id, organization_id, after_seconds=at + resolve_after))
    return alert_id, events


async def project(container: Container, *events: DomainEvent) -> int:
    return await consume_once(container.uow_factory, AnalyticsProjection(), list(events))


async def metrics_of(container: Container, alert_id: UUID) -> Any:
    async with container.engine.connect() as connection:
        return (
            await connection.execute(select(AlertResponseMetric).where(AlertResponseMetric.alert_id == alert_id))
        ).one()
