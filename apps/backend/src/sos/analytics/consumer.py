"""Projects the alert lifecycle onto ``alert_response_metrics`` for response-time analytics.

Order-tolerant and idempotent: every statement is safe to repeat and to apply in any order. Start times keep the
earliest value seen, end times the latest, and counts are recomputed from a ledger of the counted events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Table, case, func, literal, select, update

from sos.analytics.models import AlertMetricEvent, AlertResponseMetric
from sos.analytics.upsert import insert_ignoring_duplicates
from sos.core.bus import Consumer
from sos.core.db import utcnow
from sos.core.events import DomainEvent
from sos.core.uow import UnitOfWork

_METRICS = cast(Table, AlertResponseMetric.__table__)
_LEDGER = cast(Table, AlertMetricEvent.__table__)

EARLIEST_STAMP = {
    "alert.triggered": "triggered_at",
    "alert.acknowledged": "acknowledged_at",
    "alert.dispatched": "first_dispatched_at",
    "alert.on_scene": "on_scene_at",
}
LATEST_STAMP = {"alert.resolved": "resolved_at", "alert.cancelled": "cancelled_at"}
COUNTED = {"alert.escalated": "escalation_steps", "alert.reopened": "reopened_count"}
PROJECTED = frozenset(EARLIEST_STAMP) | frozenset(LATEST_STAMP) | frozenset(COUNTED)
_DESCRIPTORS = ("severity", "category", "source")


def _earliest(column_name: str, moment: datetime) -> ColumnElement[Any]:
    column = _METRICS.c[column_name]
    value = literal(moment, type_=column.type)
    return case((column.is_(None), value), (column > value, value), else_=column)


def _latest(column_name: str, moment: datetime) -> ColumnElement[Any]:
    column = _METRICS.c[column_name]
    value = literal(moment, type_=column.type)
    return case((column.is_(None), value), (column < value, value), else_=column)


def _count_of(alert_id: UUID, kind: str) -> Any:
    return (
        select(func.count())
        .select_from(_LEDGER)
        .where(_LEDGER.c.alert_id == alert_id, _LEDGER.c.kind == kind)
        .scalar_subquery()
    )


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


class AnalyticsProjection(Consumer):
    name = "analytics"
    event_types = PROJECTED

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        for event in events:
            if event.type in PROJECTED:
                await self._project(uow, event)

    async def _project(self, uow: UnitOfWork, event: DomainEvent) -> None:
        alert_id = event.aggregate_id
        await uow.connection.execute(
            insert_ignoring_duplicates(
                uow.kind, _METRICS, {"alert_id": alert_id, "organization_id": event.organization_id}
            )
        )
        changes: dict[str, Any] = {"updated_at": utcnow()}
        if event.type in EARLIEST_STAMP:
            changes[EARLIEST_STAMP[event.type]] = _earliest(EARLIEST_STAMP[event.type], event.occurred_at)
        if event.type in LATEST_STAMP:
            changes[LATEST_STAMP[event.type]] = _latest(LATEST_STAMP[event.type], event.occurred_at)
        if event.type == "alert.triggered":
            changes |= {name: event.payload[name] for name in _DESCRIPTORS}
        if event.type in COUNTED:
            await uow.connection.execute(
                insert_ignoring_duplicates(
                    uow.kind, _LEDGER, {"event_id": event.id, "alert_id": alert_id, "kind": event.type}
                )
            )
            changes[COUNTED[event.type]] = _count_of(alert_id, event.type)
        await uow.connection.execute(update(_METRICS).where(_METRICS.c.alert_id == alert_id).values(changes))
        await self._refresh_durations(uow, alert_id)

    async def _refresh_durations(self, uow: UnitOfWork, alert_id: UUID) -> None:
        """Durations in seconds, kept on the row so the report reads plain numbers on every database."""
        row = (
            await uow.connection.execute(
                select(_METRICS.c.triggered_at, _METRICS.c.acknowledged_at, _METRICS.c.resolved_at).where(
                    _METRICS.c.alert_id == alert_id
                )
            )
        ).one()
        await uow.connection.execute(
            update(_METRICS)
            .where(_METRICS.c.alert_id == alert_id)
            .values(
                seconds_to_acknowledge=_seconds_between(row.triggered_at, row.acknowledged_at),
                seconds_to_resolve=_seconds_between(row.triggered_at, row.resolved_at),
            )
        )
