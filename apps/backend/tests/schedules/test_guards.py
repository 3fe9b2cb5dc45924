"""What the schedules API refuses: reporters on call, layers that hand off too often, schedules still escalated to."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from sos.core.container import Container
from sos.schedules.models import OnCallSchedule, ScheduleOverride
from tests.factories import Tenant
from tests.schedules.api import SCHEDULES, create_schedule, daily_layer, schedule_body

_WINDOW = {"starts_at": "2026-03-28T22:00:00Z", "ends_at": "2026-03-29T02:00:00Z"}


async def _count(container: Container, table: Any) -> int:
    async with container.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


def _refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    return dict(error)


async def test_a_reporter_cannot_be_a_layer_member(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    body = schedule_body(daily_layer(tenant.responder.user_id, tenant.reporter.user_id))
    error = _refusal(await client.post(SCHEDULES, json=body, headers=tenant.admin.headers))
    assert (error["pointer"], error["type"]) == ("#/layers/0/members/1", "reporter_not_on_call")
    assert str(tenant.reporter.user_id) in error["message"]
    assert await _count(container, OnCallSchedule) == 0


async def test_a_reporter_cannot_be_put_on_call_by_an_override(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    body = {"user_id": str(tenant.reporter.user_id), **_WINDOW}
    response = await client.post(f"{SCHEDULES}/{created['id']}/overrides", json=body, headers=tenant.admin.headers)
    assert (_refusal(response)["pointer"], _refusal(response)["type"]) == ("#/user_id", "reporter_not_on_call")
    assert await _count(container, ScheduleOverride) == 0


async def test_a_shift_cannot_be_swapped_to_a_reporter(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create_schedule(
        client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id, starts_at="2026-03-01T09:00"))
    )
    body = {"user_id": str(tenant.reporter.user_id), **_WINDOW}
    response = await client.post(f"{SCHEDULES}/{created['id']}/swaps", json=body, headers=tenant.responder.headers)
    assert (_refusal(response)["pointer"], _refusal(response)["type"]) == ("#/user_id", "reporter_not_on_call")
    assert await _count(container, ScheduleOverride) == 0


async def test_layers_that_would_hand_off_too_often_are_refused(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    hourly = [
        daily_layer(tenant.responder.user_id, name=f"Hourly {n}", priority=n, rotation="custom", shift_length_hours=1)
        for n in range(20)
    ]
    error = _refusal(await client.post(SCHEDULES, json=schedule_body(*hourly), headers=tenant.admin.headers))
    assert (error["pointer"], error["type"]) == ("#/layers", "too_many_shifts")
    assert "hand off too often" in error["message"]
    assert await _count(container, OnCallSchedule) == 0


async def test_a_schedule_an_escalation_policy_targets_cannot_be_deleted(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    target = {"kind": "schedule", "schedule_id": created["id"]}
    policy = {"name": "Night desk", "tiers": [{"delay_minutes": 5, "targets": [target]}]}
    made = await client.post("/api/v1/escalation-policies", json=policy, headers=tenant.admin.headers)
    assert made.status_code == 201, made.text
    response = await client.delete(f"{SCHEDULES}/{created['id']}", headers=tenant.admin.headers)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "in_use"
    assert response.json()["detail"] == (
        "The schedule is used by escalation policy 'Night desk'; remove it from the policy first."
    )
    assert (await client.get(f"{SCHEDULES}/{created['id']}", headers=tenant.admin.headers)).json() == created
