"""Builders and probes shared by the check-in tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import func, select

from sos.alerts.models import Alert
from sos.checkins.models import CheckinTimer
from sos.checkins.scheduler import CheckinDueWork
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from tests.factories import Member

START = {"lat": 52.52, "lon": 13.405, "accuracy_m": 8.0}


def timer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"location": START, "duration_minutes": 30, "note": "walking home"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


async def start_timer(client: AsyncClient, member: Member, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/checkins", json=timer_body(**overrides), headers=member.headers)
    assert response.status_code == 201, response.text
    timer: dict[str, Any] = response.json()
    return timer


def after_due(timer: dict[str, Any], minutes: float = 1) -> datetime:
    return datetime.fromisoformat(timer["due_at"]) + timedelta(minutes=minutes)


def before_due(timer: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(timer["due_at"]) - timedelta(seconds=1)


async def run_due(container: Container, now: datetime, limit: int = 100) -> int:
    return await CheckinDueWork(container.uow_factory).run_due(now, limit)


async def checkin_alerts(container: Container) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(Alert).where(Alert.source == "checkin").order_by(Alert.id))
        return list(rows.all())


async def timers_count(container: Container) -> int:
    async with container.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(CheckinTimer))).scalar_one())


async def events_of(container: Container, event_type: str, aggregate_id: str | UUID) -> list[dict[str, Any]]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxEvent.payload)
            .where(OutboxEvent.event_type == event_type, OutboxEvent.aggregate_id == UUID(str(aggregate_id)))
            .order_by(OutboxEvent.id)
        )
        return [dict(payload) for payload in rows.scalars()]


def in_minutes(minutes: float) -> str:
    return (utcnow() + timedelta(minutes=minutes)).isoformat()
