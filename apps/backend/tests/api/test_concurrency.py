"""Many requests at once. Through ASGITransport each request opens its own database connection, so on PostgreSQL
and MariaDB these requests really race at the database; SQLite serialises them on its single connection."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from uuid import UUID

from httpx import AsyncClient, Response
from sqlalchemy import func, select

from sos.alerts.models import Alert, AlertAssignment
from sos.core.container import Container
from sos.core.events import OutboxEvent
from tests.factories import Tenant, raise_sos, sos_body

CONCURRENCY = 50


async def count(container: Container, model: Any, *where: Any) -> int:
    async with container.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def at_once(*requests: object) -> list[Response]:
    return list(await asyncio.gather(*requests))  # type: ignore[call-overload]


async def test_concurrent_creates_with_one_key_make_one_alert(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "panic-storm-0001"}
    responses = await at_once(
        *(client.post("/api/v1/alerts", json=sos_body(), headers=headers) for _ in range(CONCURRENCY))
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 200: CONCURRENCY - 1}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count(container, Alert) == 1
    assert await count(container, OutboxEvent, OutboxEvent.event_type == "alert.triggered") == 1


async def test_concurrent_creates_with_distinct_keys_make_distinct_alerts(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    responses = await at_once(
        *(
            client.post(
                "/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | {"Idempotency-Key": f"key-{n:08d}"}
            )
            for n in range(CONCURRENCY)
        )
    )
    assert Counter(r.status_code for r in responses) == {201: CONCURRENCY}
    assert await count(container, Alert) == CONCURRENCY


async def test_concurrent_writes_with_one_etag_let_exactly_one_win(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    headers = tenant.coordinator.headers | {"If-Match": '"1"'}
    responses = await at_once(
        *(client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=headers) for _ in range(CONCURRENCY))
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 412: CONCURRENCY - 1}
    assert {r.json()["code"] for r in responses if r.status_code == 412} == {"version_mismatch"}
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert stored["version"] == 2
    assert await count(container, OutboxEvent, OutboxEvent.event_type == "alert.acknowledged") == 1


async def test_concurrent_writes_without_etag_apply_once_and_refuse_the_rest(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    responses = await at_once(
        *(
            client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers)
            for _ in range(CONCURRENCY)
        )
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 409: CONCURRENCY - 1}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"invalid_transition"}
    assert await count(container, OutboxEvent, OutboxEvent.event_type == "alert.acknowledged") == 1


async def test_concurrent_assignments_of_one_responder_keep_one_row(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    body = {"responder_ids": [str(tenant.responder.user_id)]}
    responses = await at_once(
        *(
            client.post(f"/api/v1/alerts/{alert['id']}/assignments", json=body, headers=tenant.coordinator.headers)
            for _ in range(10)
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert await count(container, AlertAssignment, AlertAssignment.alert_id == UUID(alert["id"])) == 1
