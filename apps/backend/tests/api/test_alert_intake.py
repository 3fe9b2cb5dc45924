from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update

from sos.alerts.models import Alert, AlertLocation
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.timeline.models import TimelineEntry
from tests.factories import Tenant, raise_sos, sos_body


async def count(container: Container, model: Any, *where: Any) -> int:
    async with container.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_raising_an_sos_returns_the_triggered_alert(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post("/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "triggered"
    assert body["version"] == 1
    assert body["reporter_id"] == str(tenant.reporter.user_id)
    assert body["organization_id"] == str(tenant.organization_id)
    assert (body["lat"], body["lon"], body["accuracy_m"]) == (52.52, 13.405, 12.0)
    assert (body["note"], body["category"], body["severity"], body["source"]) == (
        "help, I am hurt",
        "medical",
        "high",
        "app",
    )
    assert body["allowed_actions"] == ["cancel"]


async def test_raised_sos_has_location_and_etag_headers(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post("/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers)
    assert response.headers["Location"] == f"/api/v1/alerts/{response.json()['id']}"
    assert response.headers["ETag"] == '"1"'
    assert "Idempotent-Replayed" not in response.headers


async def test_only_a_location_is_required(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/api/v1/alerts", json={"location": {"lat": -33.9, "lon": 18.4}}, headers=tenant.reporter.headers
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["category"], body["severity"], body["source"]) == ("other", "critical", "app")
    assert body["note"] is None
    assert body["accuracy_m"] is None


async def test_device_fix_time_becomes_located_at(client: AsyncClient, tenant: Tenant) -> None:
    location = {"lat": 1.0, "lon": 2.0, "recorded_at": "2026-03-01T10:00:00+02:00"}
    alert = await raise_sos(client, tenant.reporter, location=location)
    assert alert["located_at"].startswith("2026-03-01T08:00:00")


async def test_raising_writes_the_alert_its_first_trail_point_and_an_event(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    alert_id = UUID(alert["id"])
    assert await count(container, Alert, Alert.id == alert_id) == 1
    assert await count(container, AlertLocation, AlertLocation.alert_id == alert_id) == 1
    async with container.engine.connect() as connection:
        event = (await connection.execute(select(OutboxEvent).where(OutboxEvent.aggregate_id == alert_id))).one()
    assert event.event_type == "alert.triggered"
    assert event.actor_id == tenant.reporter.user_id
    assert event.payload == {
        "alert_id": alert["id"],
        "severity": "high",
        "category": "medical",
        "source": "app",
        "lat": 52.52,
        "lon": 13.405,
        "accuracy_m": 12.0,
        "note": "help, I am hurt",
    }


async def test_raised_sos_lands_on_the_timeline(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    async with container.engine.connect() as connection:
        kinds = (
            await connection.execute(select(TimelineEntry.kind).where(TimelineEntry.alert_id == UUID(alert["id"])))
        ).scalars()
        assert list(kinds) == ["alert.triggered"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "responder", "reporter"])
async def test_every_role_may_raise_an_sos(client: AsyncClient, tenant: Tenant, role: str) -> None:
    member = getattr(tenant, role)
    alert = await raise_sos(client, member)
    assert alert["reporter_id"] == str(member.user_id)


async def test_raising_needs_a_token(client: AsyncClient, container: Container) -> None:
    response = await client.post("/api/v1/alerts", json=sos_body())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await count(container, Alert) == 0


async def test_repeated_idempotency_key_returns_the_first_alert(client: AsyncClient, tenant: Tenant) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "panic-button-0001"}
    first = await client.post("/api/v1/alerts", json=sos_body(), headers=headers)
    second = await client.post("/api/v1/alerts", json=sos_body(note="still here"), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]


async def test_a_key_reused_after_its_alert_closed_raises_a_new_alert(client: AsyncClient, tenant: Tenant) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "panic-button-0003"}
    first = (await client.post("/api/v1/alerts", json=sos_body(), headers=headers)).json()
    await client.post(f"/api/v1/alerts/{first['id']}/cancel", headers=tenant.reporter.headers)
    again = await client.post("/api/v1/alerts", json=sos_body(note="a new emergency"), headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]
    replay = await client.post("/api/v1/alerts", json=sos_body(), headers=headers)
    assert replay.json()["id"] == again.json()["id"]


async def test_a_key_reused_a_day_later_raises_a_new_alert(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "panic-button-0004"}
    first = (await client.post("/api/v1/alerts", json=sos_body(), headers=headers)).json()
    async with container.engine.begin() as connection:
        await connection.execute(update(Alert).values(created_at=utcnow() - timedelta(hours=25)))
    again = await client.post("/api/v1/alerts", json=sos_body(), headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]


async def test_five_presses_with_one_key_make_one_alert(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "panic-button-0002"}
    ids = {(await client.post("/api/v1/alerts", json=sos_body(), headers=headers)).json()["id"] for _ in range(5)}
    assert len(ids) == 1
    assert await count(container, Alert) == 1
    assert await count(container, OutboxEvent) == 1


async def test_different_idempotency_keys_make_different_alerts(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    for key in ("press-000000001", "press-000000002"):
        response = await client.post(
            "/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | {"Idempotency-Key": key}
        )
        assert response.status_code == 201
    assert await count(container, Alert) == 2


async def test_without_idempotency_key_every_press_is_a_new_alert(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    await raise_sos(client, tenant.reporter)
    await raise_sos(client, tenant.reporter)
    assert await count(container, Alert) == 2


async def test_idempotency_key_is_per_reporter(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    key = {"Idempotency-Key": "shared-key-0001"}
    mine = await client.post("/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | key)
    theirs = await client.post("/api/v1/alerts", json=sos_body(), headers=tenant.responder.headers | key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


async def test_idempotency_key_is_per_tenant(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    key = {"Idempotency-Key": "shared-key-0002"}
    mine = await client.post("/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | key)
    theirs = await client.post("/api/v1/alerts", json=sos_body(), headers=other_tenant.reporter.headers | key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["organization_id"] == str(other_tenant.organization_id)


async def test_replay_returns_the_alert_as_it_is_now(client: AsyncClient, tenant: Tenant) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "panic-button-0003"}
    first = (await client.post("/api/v1/alerts", json=sos_body(), headers=headers)).json()
    await client.post(f"/api/v1/alerts/{first['id']}/acknowledge", headers=tenant.coordinator.headers)
    replay = await client.post("/api/v1/alerts", json=sos_body(), headers=headers)
    assert replay.status_code == 200
    assert replay.json()["status"] == "acknowledged"
    assert replay.headers["ETag"] == '"2"'


@pytest.mark.parametrize("key", ["short", "has spaces in it", "x" * 129, "semi;colon-key"])
async def test_malformed_idempotency_key_is_rejected(
    client: AsyncClient, tenant: Tenant, container: Container, key: str
) -> None:
    response = await client.post(
        "/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | {"Idempotency-Key": key}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["in"] == "header"
    assert await count(container, Alert) == 0


async def test_reporter_reads_their_own_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)
    assert response.status_code == 200
    assert response.json() == alert


async def test_another_tenant_cannot_read_the_alert(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.get(f"/api/v1/alerts/{alert['id']}", headers=other_tenant.admin.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_unassigned_responder_cannot_read_the_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.responder.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("key", ["checkin-0193a1b2-7c4d", "CHECKIN-forged-key-1"])
async def test_an_idempotency_key_reserved_for_checkins_is_rejected(
    client: AsyncClient, tenant: Tenant, container: Container, key: str
) -> None:
    response = await client.post(
        "/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | {"Idempotency-Key": key}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["in"], error["pointer"]) == ("header", "#/Idempotency-Key")
    assert "reserved" in error["message"]
    assert await count(container, Alert) == 0
