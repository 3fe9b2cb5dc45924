"""Response-time analytics over the ``alert_response_metrics`` projection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from math import fsum
from typing import Any

from sqlalchemy import select

from sos.alerts.domain import Severity
from sos.analytics.models import AlertResponseMetric
from sos.analytics.schemas import DurationStats, ResponseTimes
from sos.auth.principal import Principal
from sos.core.errors import ErrorCode, Unprocessable
from sos.core.uow import UnitOfWork

_MILLISECONDS = 3


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (the default of numpy and of most dashboards)."""
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def duration_stats(values: Sequence[float]) -> DurationStats:
    """Computed here rather than in SQL: percentiles are spelled differently on SQLite, PostgreSQL and MariaDB."""
    if not values:
        return DurationStats(count=0, mean_seconds=None, p50_seconds=None, p90_seconds=None)
    ordered = sorted(values)
    return DurationStats(
        count=len(ordered),
        mean_seconds=round(fsum(ordered) / len(ordered), _MILLISECONDS),
        p50_seconds=round(percentile(ordered, 0.5), _MILLISECONDS),
        p90_seconds=round(percentile(ordered, 0.9), _MILLISECONDS),
    )


def _check_window(after: datetime | None, before: datetime | None) -> None:
    if after is not None and before is not None and after >= before:
        raise Unprocessable(
            "triggered_after must be earlier than triggered_before.",
            code=ErrorCode.VALIDATION_FAILED,
            errors=[
                {
                    "in": "query",
                    "pointer": "#/triggered_before",
                    "type": "value_error",
                    "message": "must be later than triggered_after",
                }
            ],
        )


async def response_times(
    uow: UnitOfWork,
    principal: Principal,
    *,
    triggered_after: datetime | None,
    triggered_before: datetime | None,
    severities: Sequence[Severity],
) -> ResponseTimes:
    _check_window(triggered_after, triggered_before)
    metric = AlertResponseMetric
    query: Any = select(metric.seconds_to_acknowledge, metric.seconds_to_resolve).where(
        metric.organization_id == principal.organization_id, metric.triggered_at.is_not(None)
    )
    if triggered_after is not None:
        query = query.where(metric.triggered_at >= triggered_after)
    if triggered_before is not None:
        query = query.where(metric.triggered_at < triggered_before)
    if severities:
        query = query.where(metric.severity.in_([severity.value for severity in severities]))
    async with uow.read():
        rows = (await uow.connection.execute(query)).all()
    return ResponseTimes(
        organization_id=principal.organization_id,
        triggered_after=triggered_after,
        triggered_before=triggered_before,
        severity=list(severities),
        alerts=len(rows),
        mtta=duration_stats([row.seconds_to_acknowledge for row in rows if row.seconds_to_acknowledge is not None]),
        mttr=duration_stats([row.seconds_to_resolve for row in rows if row.seconds_to_resolve is not None]),
    )
