from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from sos.alerts.models import AlertLocation
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.timeline.models import TimelineEntry
from tests.factories import Member, Tenant, raise_sos


async def post_fix(client: AsyncClient, member: Member, alert_id: str, **fix: Any) -> Any:
    return await client.post(f"/api/v1/alerts/{alert_id}/locations", json=fix, headers=member.headers)


async def trail(client: AsyncClient, member: Member, alert_id: str, **params: Any) -> list[tuple[float, float]]:
    response = await client.get(f"/api/v1/alerts/{alert_id}/locations", params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    return [(point["lat"], point["lon"]) for point in response.json()]


async def test_reporter_adds_a_point_to_the_trail(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await post_fix(client, tenant.reporter, alert["id"], lat=52.53, lon=13.41, accuracy_m=5)
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("lat", "lon", "accuracy_m")} == {
        "lat": 52.53,
        "lon": 13.41,
        "accuracy_m": 5,
    }
    assert await trail(client, tenant.reporter, alert["id"]) == [(52.52, 13.405), (52.53, 13.41)]


async def test_newest_fix_moves_the_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await post_fix(client, tenant.reporter, alert["id"], lat=1.5, lon=2.5, accuracy_m=30)
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)).json()
    assert (stored["lat"], stored["lon"], stored["accuracy_m"]) == (1.5, 2.5, 30)
    assert stored["version"] == alert["version"]


async def test_late_arriving_older_fix_joins_the_trail_without_moving_the_alert(
    client: AsyncClient, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    earlier = (utcnow() - timedelta(minutes=5)).isoformat()
    response = await post_fix(client, tenant.reporter, alert["id"], lat=1.0, lon=1.0, recorded_at=earlier)
    assert response.status_code == 201
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)).json()
    assert (stored["lat"], stored["lon"]) == (52.52, 13.405)
    assert await trail(client, tenant.reporter, alert["id"]) == [(1.0, 1.0), (52.52, 13.405)]


async def test_fix_from_a_clock_running_ahead_is_capped_at_now(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    ahead = (utcnow() + timedelta(days=1)).isoformat()
    first = await post_fix(client, tenant.reporter, alert["id"], lat=1.0, lon=1.0, recorded_at=ahead)
    assert first.json()["recorded_at"] < ahead
    await post_fix(client, tenant.reporter, alert["id"], lat=2.0, lon=2.0)
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)).json()
    assert (stored["lat"], stored["lon"]) == (2.0, 2.0)


async def test_trail_limit_keeps_the_newest_points_oldest_first(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    for n in range(1, 4):
        await post_fix(client, tenant.reporter, alert["id"], lat=float(n), lon=float(n))
    assert await trail(client, tenant.reporter, alert["id"], limit=2) == [(2.0, 2.0), (3.0, 3.0)]


async def test_staff_may_add_to_the_trail(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await post_fix(client, tenant.coordinator, alert["id"], lat=3.0, lon=4.0)
    assert response.status_code == 201


async def test_assigned_responder_may_read_but_not_add_to_the_trail(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert await trail(client, tenant.responder, alert["id"]) == [(52.52, 13.405)]
    response = await post_fix(client, tenant.responder, alert["id"], lat=3.0, lon=4.0)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_closed_alert_trail_no_longer_changes(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.reporter.headers)
    response = await post_fix(client, tenant.reporter, alert["id"], lat=3.0, lon=4.0)
    assert response.status_code == 409
    assert response.json()["code"] == "alert_closed"
    async with container.engine.connect() as connection:
        points = await connection.scalar(
            select(func.count()).select_from(AlertLocation).where(AlertLocation.alert_id == UUID(alert["id"]))
        )
    assert points == 1


@pytest.mark.parametrize("reader", ["other_tenant_admin", "unassigned_responder"])
async def test_trail_is_hidden_from_those_who_cannot_see_the_alert(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, reader: str
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    member = other_tenant.admin if reader == "other_tenant_admin" else tenant.responder
    read = await client.get(f"/api/v1/alerts/{alert['id']}/locations", headers=member.headers)
    write = await post_fix(client, member, alert["id"], lat=0.0, lon=0.0)
    assert (read.status_code, write.status_code) == (404, 404)


async def test_trail_of_unknown_alert_is_not_found(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"/api/v1/alerts/{uuid4()}/locations", headers=tenant.admin.headers)
    assert response.status_code == 404


async def test_fix_records_an_event_but_no_timeline_entry(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await post_fix(client, tenant.reporter, alert["id"], lat=3.0, lon=4.0)
    await container.relay.drain()
    async with container.engine.connect() as connection:
        events = (
            await connection.execute(
                select(OutboxEvent.event_type).where(OutboxEvent.aggregate_id == UUID(alert["id"]))
            )
        ).scalars()
        assert sorted(events) == ["alert.location_recorded", "alert.triggered"]
        kinds = (
            await connection.execute(select(TimelineEntry.kind).where(TimelineEntry.alert_id == UUID(alert["id"])))
        ).scalars()
        assert list(kinds) == ["alert.triggered"]


@pytest.mark.parametrize(
    ("fix", "pointer"),
    [
        ({"lat": 90.5, "lon": 0}, "#/lat"),
        ({"lat": 0, "lon": -180.1}, "#/lon"),
        ({"lat": 0, "lon": 0, "accuracy_m": -1}, "#/accuracy_m"),
        ({"lat": 0, "lon": 0, "recorded_at": "2026-01-01T00:00:00"}, "#/recorded_at"),
        ({"lat": 0}, "#/lon"),
        ({"lat": 0, "lon": 0, "altitude": 3}, "#/altitude"),
    ],
)
async def test_bad_fix_is_rejected_naming_the_field(
    client: AsyncClient, tenant: Tenant, fix: dict[str, Any], pointer: str
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await post_fix(client, tenant.reporter, alert["id"], **fix)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


@pytest.mark.parametrize("limit", [0, 1001, "x"])
async def test_bad_trail_limit_is_rejected(client: AsyncClient, tenant: Tenant, limit: Any) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.get(
        f"/api/v1/alerts/{alert['id']}/locations", params={"limit": limit}, headers=tenant.reporter.headers
    )
    assert response.status_code == 422
