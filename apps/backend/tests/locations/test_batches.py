"""Batches of fixes from a device that was offline: stored oldest first, without moving the last location back,
without storing a resent fix twice, and refused whole when a fix is bad."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.locations.domain import MAX_BATCH_FIXES
from tests.factories import Tenant, raise_sos
from tests.locations.helpers import (
    RESPONDERS,
    ago,
    fix,
    post_alert_batch,
    post_my_batch,
    post_my_fix,
    stored_alert_lats,
    stored_responder_lats,
)


async def my_last_location(client: AsyncClient, tenant: Tenant) -> Any:
    return (await client.get(f"{RESPONDERS}/me", headers=tenant.responder.headers)).json()["last_location"]


async def test_a_batch_is_stored_oldest_first(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    batch = [fix(3.0, at=ago(minutes=1)), fix(1.0, at=ago(minutes=3)), fix(2.0, at=ago(minutes=2))]
    response = await post_my_batch(client, tenant.responder, batch)
    assert response.status_code == 201, response.text
    assert await stored_responder_lats(container, tenant.responder.user_id) == [1.0, 2.0, 3.0]


async def test_the_newest_fix_of_a_batch_becomes_the_last_location(client: AsyncClient, tenant: Tenant) -> None:
    batch = [fix(1.0, at=ago(minutes=3), accuracy_m=20), fix(2.0, at=ago(minutes=1), accuracy_m=7)]
    body = (await post_my_batch(client, tenant.responder, batch)).json()
    assert (body["stored"], body["duplicates"]) == (2, 0)
    assert (body["last_location"]["lat"], body["last_location"]["accuracy_m"]) == (2.0, 7)
    assert (await my_last_location(client, tenant))["lat"] == 2.0


async def test_a_batch_older_than_the_last_location_joins_the_trail_without_moving_it(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await post_my_fix(client, tenant.responder, lat=9.0)
    response = await post_my_batch(client, tenant.responder, [fix(1.0, at=ago(hours=2)), fix(2.0, at=ago(hours=1))])
    assert response.json()["last_location"]["lat"] == 9.0
    assert (await my_last_location(client, tenant))["lat"] == 9.0
    assert await stored_responder_lats(container, tenant.responder.user_id) == [9.0, 1.0, 2.0]


async def test_a_resent_batch_stores_nothing_twice(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    batch = [fix(1.0, at=ago(minutes=2)), fix(2.0, at=ago(minutes=1))]
    await post_my_batch(client, tenant.responder, batch)
    again = await post_my_batch(client, tenant.responder, [*batch, fix(3.0)])
    assert (again.json()["stored"], again.json()["duplicates"]) == (1, 2)
    assert await stored_responder_lats(container, tenant.responder.user_id) == [1.0, 2.0, 3.0]


async def test_each_stored_fix_records_one_event_in_order(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await post_my_batch(client, tenant.responder, [fix(2.0, at=ago(minutes=1)), fix(1.0, at=ago(minutes=2))])
    async with container.engine.connect() as connection:
        payloads = (
            await connection.execute(
                select(OutboxEvent.payload)
                .where(OutboxEvent.event_type == "responder.location_recorded")
                .order_by(OutboxEvent.id)
            )
        ).scalars()
        assert [(p["lat"], p["user_id"]) for p in payloads] == [
            (1.0, str(tenant.responder.user_id)),
            (2.0, str(tenant.responder.user_id)),
        ]


async def test_the_reporter_uploads_a_batch_to_their_open_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await post_alert_batch(client, tenant.reporter, alert["id"], [fix(2.0), fix(1.0, at=ago(seconds=30))])
    assert response.status_code == 201, response.text
    assert response.json()["last_location"]["lat"] == 2.0
    assert await stored_alert_lats(container, alert["id"]) == [52.52, 1.0, 2.0]
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)).json()
    assert stored["lat"] == 2.0


async def test_an_alert_batch_older_than_its_position_does_not_move_it(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await post_alert_batch(client, tenant.reporter, alert["id"], [fix(1.0, at=ago(minutes=10))])
    assert response.json()["last_location"]["lat"] == 52.52
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)).json()
    assert stored["lat"] == 52.52


async def test_alert_fixes_from_a_clock_far_ahead_count_as_now(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    ahead = utcnow() + timedelta(days=2)
    response = await post_alert_batch(client, tenant.reporter, alert["id"], [fix(1.0, at=ahead)])
    assert response.status_code == 201
    assert response.json()["last_location"]["recorded_at"] < ahead.isoformat()


async def test_an_alert_batch_records_one_event_per_fix(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await post_alert_batch(client, tenant.reporter, alert["id"], [fix(1.0, at=ago(minutes=1)), fix(2.0)])
    async with container.engine.connect() as connection:
        events = (
            await connection.execute(
                select(OutboxEvent.payload)
                .where(
                    OutboxEvent.aggregate_id == UUID(alert["id"]),
                    OutboxEvent.event_type == "alert.location_recorded",
                )
                .order_by(OutboxEvent.id)
            )
        ).scalars()
        assert [payload["lat"] for payload in events] == [1.0, 2.0]


# --- bad batches -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "pointer"),
    [
        ({"lat": 90.5}, "#/fixes/1/lat"),
        ({"lon": 180.5}, "#/fixes/1/lon"),
        ({"accuracy_m": -1}, "#/fixes/1/accuracy_m"),
        ({"recorded_at": None}, "#/fixes/1/recorded_at"),
        ({"accuracy_m": None}, "#/fixes/1/accuracy_m"),
        ({"recorded_at": "2026-01-01T10:00:00"}, "#/fixes/1/recorded_at"),
        ({"recorded_at": (utcnow() + timedelta(days=1)).isoformat()}, "#/fixes/1/recorded_at"),
    ],
)
async def test_a_bad_fix_refuses_the_whole_batch_naming_it(
    client: AsyncClient, container: Container, tenant: Tenant, bad: dict[str, Any], pointer: str
) -> None:
    response = await post_my_batch(client, tenant.responder, [fix(1.0, at=ago(minutes=1)), fix(2.0) | bad])
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    assert await stored_responder_lats(container, tenant.responder.user_id) == []


@pytest.mark.parametrize("count", [0, MAX_BATCH_FIXES + 1])
async def test_a_batch_of_the_wrong_size_is_refused(
    client: AsyncClient, container: Container, tenant: Tenant, count: int
) -> None:
    fixes = [fix(float(n % 90), at=ago(seconds=count - n)) for n in range(count)]
    response = await post_my_batch(client, tenant.responder, fixes)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/fixes"]
    assert await stored_responder_lats(container, tenant.responder.user_id) == []


async def test_a_full_batch_is_accepted(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    fixes = [fix(float(n % 90), at=ago(seconds=MAX_BATCH_FIXES - n)) for n in range(MAX_BATCH_FIXES)]
    response = await post_my_batch(client, tenant.responder, fixes)
    assert response.json()["stored"] == MAX_BATCH_FIXES
    assert len(await stored_responder_lats(container, tenant.responder.user_id)) == MAX_BATCH_FIXES


async def test_a_single_fix_far_in_the_future_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await post_my_fix(client, tenant.responder, recorded_at=(utcnow() + timedelta(hours=1)).isoformat())
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/recorded_at"]


async def test_a_fix_slightly_ahead_counts_as_now_so_later_fixes_still_move_the_last_location(
    client: AsyncClient, tenant: Tenant
) -> None:
    await post_my_fix(client, tenant.responder, lat=1.0, recorded_at=(utcnow() + timedelta(minutes=3)).isoformat())
    await post_my_fix(client, tenant.responder, lat=2.0)
    assert (await my_last_location(client, tenant))["lat"] == 2.0
