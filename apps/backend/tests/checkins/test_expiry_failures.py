"""A timer whose expiry fails is retried a minute later and never holds up the others; a closed alert never
stands in for a missed check-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update

from sos.alerts.models import Alert
from sos.alerts.service import insert_alert
from sos.checkins import service
from sos.checkins.models import CheckinTimer
from sos.checkins.service import alert_idempotency_key
from sos.core.container import Container
from tests.checkins.support import after_due, checkin_alerts, run_due, start_timer
from tests.factories import Tenant, raise_sos


async def _timer(container: Container, timer_id: str) -> Any:
    async with container.engine.connect() as connection:
        return (await connection.execute(select(CheckinTimer).where(CheckinTimer.id == UUID(timer_id)))).one()


def _failing_for(monkeypatch: pytest.MonkeyPatch, timer_id: str) -> None:
    async def insert_or_fail(*args: Any, **kwargs: Any) -> dict[str, Any]:
        if kwargs["idempotency_key"] == alert_idempotency_key(UUID(timer_id)):
            raise RuntimeError("the alert insert failed")
        return await insert_alert(*args, **kwargs)

    monkeypatch.setattr(service, "insert_alert", insert_or_fail)


async def test_a_failing_timer_does_not_hold_up_the_others(
    client: AsyncClient, tenant: Tenant, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = await start_timer(client, tenant.reporter)
    healthy = await start_timer(client, tenant.reporter)
    _failing_for(monkeypatch, failing["id"])
    moment = after_due(healthy)
    assert await run_due(container, moment) == 1
    assert (await _timer(container, healthy["id"])).status == "expired"
    postponed = await _timer(container, failing["id"])
    assert (postponed.status, postponed.alert_id) == ("active", None)
    assert _naive(postponed.due_at) == _naive(moment + timedelta(minutes=1))
    assert len(await checkin_alerts(container)) == 1


async def test_a_failed_timer_raises_its_sos_on_the_retry(
    client: AsyncClient, tenant: Tenant, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    timer = await start_timer(client, tenant.reporter)
    _failing_for(monkeypatch, timer["id"])
    moment = after_due(timer)
    assert await run_due(container, moment) == 0
    monkeypatch.undo()
    assert await run_due(container, moment + timedelta(seconds=59)) == 0
    assert await run_due(container, moment + timedelta(minutes=1)) == 1
    [alert] = await checkin_alerts(container)
    assert (await _timer(container, timer["id"])).alert_id == alert.id


async def test_a_closed_alert_with_the_timers_key_does_not_stand_in_for_its_sos(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter)
    closed = await raise_sos(client, tenant.reporter)
    cancelled = await client.post(f"/api/v1/alerts/{closed['id']}/cancel", headers=tenant.reporter.headers)
    assert cancelled.status_code == 200, cancelled.text
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Alert)
            .where(Alert.id == UUID(closed["id"]))
            .values(idempotency_key=alert_idempotency_key(UUID(timer["id"])))
        )
    assert await run_due(container, after_due(timer)) == 1
    [raised] = await checkin_alerts(container)
    assert str(raised.id) != closed["id"]
    assert raised.status == "triggered"
    assert (await _timer(container, timer["id"])).alert_id == raised.id


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
