"""A timer that runs out raises one SOS with the last known location, in the transaction that marks it expired."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient

from sos.checkins.scheduler import CheckinDueWork
from sos.core.container import Container
from tests.checkins.support import after_due, before_due, checkin_alerts, events_of, run_due, start_timer
from tests.factories import Tenant, timeline_of


async def test_a_missed_checkin_raises_an_sos_with_the_last_location(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter, severity="critical", category="crime")
    await client.post(
        f"/api/v1/checkins/{timer['id']}/location",
        json={"lat": 48.1, "lon": 11.6, "accuracy_m": 4.0},
        headers=tenant.reporter.headers,
    )
    assert await run_due(container, after_due(timer)) == 1
    [alert] = await checkin_alerts(container)
    assert alert.reporter_id == tenant.reporter.user_id
    assert (alert.lat, alert.lon, alert.accuracy_m) == (48.1, 11.6, 4.0)
    assert (alert.source, alert.severity, alert.category) == ("checkin", "critical", "crime")
    assert alert.note == "Check-in missed: walking home"
    assert alert.status == "triggered"


async def test_the_expired_timer_names_the_sos_it_raised(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter)
    await run_due(container, after_due(timer))
    [alert] = await checkin_alerts(container)
    expired = (await client.get(f"/api/v1/checkins/{timer['id']}", headers=tenant.reporter.headers)).json()
    assert (expired["status"], expired["alert_id"]) == ("expired", str(alert.id))
    [event] = await events_of(container, "checkin.expired", timer["id"])
    assert event["alert_id"] == str(alert.id)


async def test_the_sos_shows_in_the_reporters_alerts_and_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter)
    await run_due(container, after_due(timer))
    listed = (await client.get("/api/v1/alerts", headers=tenant.reporter.headers)).json()["items"]
    assert [a["source"] for a in listed] == ["checkin"]
    kinds = [entry.kind for entry in await timeline_of(container, listed[0]["id"])]
    assert kinds[:1] == ["alert.triggered"]
    assert "checkin.expired" in kinds


async def test_nothing_happens_before_the_due_time(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    timer = await start_timer(client, tenant.reporter)
    assert await run_due(container, before_due(timer)) == 0
    assert await checkin_alerts(container) == []


async def test_a_cancelled_timer_never_raises_an_sos(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    timer = await start_timer(client, tenant.reporter)
    await client.post(f"/api/v1/checkins/{timer['id']}/cancel", headers=tenant.reporter.headers)
    assert await run_due(container, after_due(timer, minutes=60)) == 0
    assert await checkin_alerts(container) == []


async def test_an_extended_timer_raises_only_at_its_new_due_time(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter, duration_minutes=10)
    response = await client.post(
        f"/api/v1/checkins/{timer['id']}/extend", json={"duration_minutes": 60}, headers=tenant.reporter.headers
    )
    extended = response.json()
    assert await run_due(container, after_due(timer)) == 0
    assert await run_due(container, after_due(extended)) == 1
    assert len(await checkin_alerts(container)) == 1


async def test_running_again_never_raises_twice(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    timer = await start_timer(client, tenant.reporter)
    assert await run_due(container, after_due(timer)) == 1
    assert await run_due(container, after_due(timer, minutes=120)) == 0
    assert len(await checkin_alerts(container)) == 1
    assert len(await events_of(container, "checkin.expired", timer["id"])) == 1


async def test_a_restarted_scheduler_picks_up_where_the_last_one_stopped(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    first = await start_timer(client, tenant.reporter, duration_minutes=10)
    second = await start_timer(client, tenant.responder, duration_minutes=40)
    assert await CheckinDueWork(container.uow_factory).run_due(after_due(first), 100) == 1
    restarted = CheckinDueWork(container.uow_factory)
    assert await restarted.run_due(after_due(second), 100) == 1
    alerts = await checkin_alerts(container)
    assert sorted(str(a.reporter_id) for a in alerts) == sorted([first["user_id"], second["user_id"]])


async def test_a_batch_limit_leaves_the_rest_for_the_next_run(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timers = [await start_timer(client, tenant.reporter) for _ in range(3)]
    moment = after_due(timers[-1])
    assert [await run_due(container, moment, limit=2) for _ in range(3)] == [2, 1, 0]


async def test_concurrent_schedulers_raise_each_sos_once(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timers = [await start_timer(client, tenant.reporter) for _ in range(12)]
    moment = after_due(timers[-1])
    schedulers = [CheckinDueWork(container.uow_factory) for _ in range(4)]
    performed = 0
    while done := sum(await asyncio.gather(*(s.run_due(moment, 3) for s in schedulers))):
        performed += done
    alerts = await checkin_alerts(container)
    assert performed == len(alerts) == 12
    assert len({a.idempotency_key for a in alerts}) == 12
