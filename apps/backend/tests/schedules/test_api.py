"""The schedules API: CRUD with layers, who is on call, shifts, overrides, swaps, bad input and tenancy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.schedules.models import OnCallSchedule, ScheduleLayer
from sos.schedules.service import on_call_user_ids
from tests.factories import Tenant
from tests.schedules.api import SCHEDULES, create_schedule, daily_layer, schedule_body


async def _schedule_events(container: Container) -> list[str]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxEvent.event_type).where(OutboxEvent.aggregate_type == "schedule").order_by(OutboxEvent.id)
        )
        return [row.event_type for row in rows]


async def _counts(container: Container) -> tuple[int, int]:
    async with container.engine.connect() as connection:
        schedules = (await connection.execute(select(func.count()).select_from(OnCallSchedule))).scalar_one()
        layers = (await connection.execute(select(func.count()).select_from(ScheduleLayer))).scalar_one()
    return int(schedules), int(layers)


async def test_a_created_schedule_reads_back_with_its_layers_and_an_etag(client: AsyncClient, tenant: Tenant) -> None:
    body = schedule_body(daily_layer(tenant.responder.user_id, tenant.coordinator.user_id, handoff_time="09:00"))
    response = await client.post(SCHEDULES, json=body, headers=tenant.coordinator.headers)
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    created = response.json()
    fetched = await client.get(f"{SCHEDULES}/{created['id']}", headers=tenant.reporter.headers)
    assert fetched.json() == created
    layer = created["layers"][0]
    assert layer["members"] == [str(tenant.responder.user_id), str(tenant.coordinator.user_id)]
    assert (layer["starts_at"], layer["handoff_time"], layer["priority"]) == ("2026-01-01T09:00:00", "09:00:00", 0)
    listed = await client.get(SCHEDULES, headers=tenant.reporter.headers)
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]


async def test_who_is_on_call_follows_the_local_handoff_across_spring_forward(
    client: AsyncClient, tenant: Tenant
) -> None:
    first, second = tenant.responder.user_id, tenant.coordinator.user_id
    created = await create_schedule(
        client, tenant.admin, schedule_body(daily_layer(first, second, starts_at="2026-03-28T09:00"))
    )
    url = f"{SCHEDULES}/{created['id']}/on-call"
    before = await client.get(url, params={"at": "2026-03-29T06:59:00Z"}, headers=tenant.reporter.headers)
    after = await client.get(url, params={"at": "2026-03-29T07:00:00+00:00"}, headers=tenant.reporter.headers)
    assert before.json()["user_ids"] == [str(first)]
    assert after.json()["user_ids"] == [str(second)]
    shift = before.json()["shift"]
    assert (shift["starts_at"], shift["ends_at"]) == ("2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z")


async def test_on_call_user_ids_resolves_inside_the_organization_only(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    at = utcnow()
    async with container.engine.connect() as connection:
        mine = await on_call_user_ids(connection, tenant.organization_id, UUID(created["id"]), at)
        theirs = await on_call_user_ids(connection, other_tenant.organization_id, UUID(created["id"]), at)
    assert (mine, theirs) == ([tenant.responder.user_id], [])


async def test_shifts_list_the_flattened_window(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(
        client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id, tenant.admin.user_id))
    )
    response = await client.get(
        f"{SCHEDULES}/{created['id']}/shifts",
        params={"start": "2026-10-24T00:00:00Z", "end": "2026-10-26T00:00:00Z"},
        headers=tenant.reporter.headers,
    )
    assert response.status_code == 200, response.text
    spans = [(s["starts_at"], s["ends_at"]) for s in response.json()["shifts"]]
    assert spans == [
        ("2026-10-24T00:00:00Z", "2026-10-24T07:00:00Z"),
        ("2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"),
        ("2026-10-25T08:00:00Z", "2026-10-26T00:00:00Z"),
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-01-01T00:00:00Z", "2026-04-05T00:00:00Z"), ("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z")],
    ids=["longer-than-93-days", "end-before-start"],
)
async def test_a_bad_shift_window_is_refused(client: AsyncClient, tenant: Tenant, start: str, end: str) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    response = await client.get(
        f"{SCHEDULES}/{created['id']}/shifts", params={"start": start, "end": end}, headers=tenant.admin.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/end"


async def test_replace_needs_the_current_version(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = f"{SCHEDULES}/{created['id']}"
    body = schedule_body(daily_layer(tenant.admin.user_id, rotation="weekly", handoff_weekday="mon"), name="Renamed")
    stale = await client.put(url, json=body, headers=tenant.admin.headers | {"If-Match": '"7"'})
    assert stale.status_code == 412, stale.text
    replaced = await client.put(url, json=body, headers=tenant.admin.headers | {"If-Match": '"1"'})
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["ETag"] == '"2"'
    assert replaced.json()["name"] == "Renamed"
    assert [layer["rotation"] for layer in replaced.json()["layers"]] == ["weekly"]
    assert await _counts(container) == (1, 1)


async def test_delete_removes_the_schedule_and_records_the_events(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = f"{SCHEDULES}/{created['id']}"
    assert (await client.delete(url, headers=tenant.admin.headers)).status_code == 204
    assert (await client.get(url, headers=tenant.admin.headers)).status_code == 404
    assert await _counts(container) == (0, 0)
    assert await _schedule_events(container) == ["schedule.created", "schedule.deleted"]


async def test_a_duplicate_name_is_a_conflict(client: AsyncClient, tenant: Tenant) -> None:
    await create_schedule(client, tenant.admin, schedule_body())
    response = await client.post(SCHEDULES, json=schedule_body(name="BERLIN ON CALL"), headers=tenant.admin.headers)
    assert response.status_code == 409, response.text


def _bad_bodies(tenant: Tenant, other: Tenant) -> dict[str, tuple[dict[str, Any], str]]:
    me = tenant.responder.user_id
    return {
        "unknown time zone": (schedule_body(daily_layer(me), time_zone="Europe/Atlantis"), "#/time_zone"),
        "empty layer": (schedule_body(daily_layer()), "#/layers/0/members"),
        "member of another tenant": (schedule_body(daily_layer(me, other.responder.user_id)), "#/layers/0/members/1"),
        "nonexistent member": (schedule_body(daily_layer(UUID(int=7))), "#/layers/0/members/0"),
        "overlapping layers without priority": (
            schedule_body(daily_layer(me), daily_layer(me, starts_at="2026-06-01T00:00", name="Backup")),
            "#/layers/1",
        ),
        "ends before it starts": (
            schedule_body(daily_layer(me, ends_at="2025-12-31T09:00")),
            "#/layers/0",
        ),
        "custom rotation without length": (schedule_body(daily_layer(me, rotation="custom")), "#/layers/0"),
        "team of another tenant": (schedule_body(daily_layer(me), team_id=str(UUID(int=9))), "#/team_id"),
        "local time with an offset": (schedule_body(daily_layer(me, starts_at="2026-01-01T09:00+01:00")), "#/layers/0"),
    }


BAD = [
    "unknown time zone",
    "empty layer",
    "member of another tenant",
    "nonexistent member",
    "overlapping layers without priority",
    "ends before it starts",
    "custom rotation without length",
    "team of another tenant",
    "local time with an offset",
]


@pytest.mark.parametrize("problem", BAD)
async def test_bad_input_is_refused_naming_the_problem_and_saves_nothing(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant, problem: str
) -> None:
    body, pointer = _bad_bodies(tenant, other_tenant)[problem]
    response = await client.post(SCHEDULES, json=body, headers=tenant.admin.headers)
    assert response.status_code == 422, response.text
    assert any(error["pointer"].startswith(pointer) for error in response.json()["errors"]), response.text
    assert await _counts(container) == (0, 0)
    assert await _schedule_events(container) == []


async def test_overlapping_layers_are_named_in_the_detail(client: AsyncClient, tenant: Tenant) -> None:
    me = tenant.responder.user_id
    body = schedule_body(daily_layer(me), daily_layer(me, name="Backup"))
    response = await client.post(SCHEDULES, json=body, headers=tenant.admin.headers)
    assert "overlapping layers without priority" in response.json()["detail"].lower()


async def test_a_bad_replace_leaves_the_schedule_as_it_was(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = f"{SCHEDULES}/{created['id']}"
    bad = schedule_body(daily_layer(tenant.responder.user_id), daily_layer(tenant.admin.user_id, name="Two"))
    assert (await client.put(url, json=bad, headers=tenant.admin.headers)).status_code == 422
    assert (await client.get(url, headers=tenant.admin.headers)).json() == created


async def test_another_tenant_sees_nothing(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = f"{SCHEDULES}/{created['id']}"
    outsider = other_tenant.admin.headers
    assert (await client.get(url, headers=outsider)).status_code == 404
    assert (await client.get(f"{url}/on-call", headers=outsider)).status_code == 404
    assert (await client.put(url, json=schedule_body(), headers=outsider)).status_code == 404
    assert (await client.get(SCHEDULES, headers=outsider)).json()["items"] == []


async def test_an_override_beats_the_rotation_until_it_is_deleted(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = f"{SCHEDULES}/{created['id']}"
    window = {"starts_at": "2026-03-29T00:00:00Z", "ends_at": "2026-03-29T03:00:00Z"}
    made = await client.post(
        f"{url}/overrides", json={"user_id": str(tenant.admin.user_id), **window}, headers=tenant.coordinator.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "override"
    during = await client.get(f"{url}/on-call", params={"at": "2026-03-29T01:30:00Z"}, headers=tenant.admin.headers)
    assert during.json()["user_ids"] == [str(tenant.admin.user_id)]
    assert during.json()["shift"]["source"] == "override"
    listed = await client.get(f"{url}/overrides", headers=tenant.reporter.headers)
    assert [item["id"] for item in listed.json()] == [made.json()["id"]]
    gone = await client.delete(f"{url}/overrides/{made.json()['id']}", headers=tenant.admin.headers)
    assert gone.status_code == 204
    after = await client.get(f"{url}/on-call", params={"at": "2026-03-29T01:30:00Z"}, headers=tenant.admin.headers)
    assert after.json()["user_ids"] == [str(tenant.responder.user_id)]
    assert await _schedule_events(container) == [
        "schedule.created",
        "schedule.override_created",
        "schedule.override_deleted",
    ]


@pytest.mark.parametrize(
    ("window", "pointer"),
    [
        ({"starts_at": "2026-03-29T03:00:00Z", "ends_at": "2026-03-29T01:00:00Z"}, "#"),
        ({"starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-06-01T00:00:00Z"}, "#"),
    ],
    ids=["ends-before-starts", "too-long"],
)
async def test_a_bad_override_window_is_refused(
    client: AsyncClient, container: Container, tenant: Tenant, window: dict[str, str], pointer: str
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    response = await client.post(
        f"{SCHEDULES}/{created['id']}/overrides",
        json={"user_id": str(tenant.admin.user_id), **window},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 422, response.text
    assert await _schedule_events(container) == ["schedule.created"]


async def test_an_override_for_someone_of_another_tenant_is_refused(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    body = {
        "user_id": str(other_tenant.admin.user_id),
        "starts_at": "2026-03-29T00:00:00Z",
        "ends_at": "2026-03-29T03:00:00Z",
    }
    response = await client.post(f"{SCHEDULES}/{created['id']}/overrides", json=body, headers=tenant.admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/user_id"


def _window(hours_from_now: int, length: int = 2) -> dict[str, str]:
    start = utcnow().replace(microsecond=0) + timedelta(hours=hours_from_now)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=length)).isoformat()}


async def test_a_responder_swaps_their_own_shift_to_a_colleague(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = f"{SCHEDULES}/{created['id']}"
    window = _window(3)
    swap = await client.post(
        f"{url}/swaps", json={"user_id": str(tenant.coordinator.user_id), **window}, headers=tenant.responder.headers
    )
    assert swap.status_code == 201, swap.text
    assert (swap.json()["kind"], swap.json()["swap_of_user_id"]) == ("swap", str(tenant.responder.user_id))
    during = await client.get(f"{url}/on-call", params={"at": window["starts_at"]}, headers=tenant.admin.headers)
    assert during.json()["user_ids"] == [str(tenant.coordinator.user_id)]
    assert during.json()["shift"]["source"] == "swap"


async def test_a_swap_of_time_one_is_not_on_call_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    response = await client.post(
        f"{SCHEDULES}/{created['id']}/swaps",
        json={"user_id": str(tenant.responder.user_id), "swap_of_user_id": str(tenant.admin.user_id), **_window(3)},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["type"] == "not_on_call"


async def test_a_responder_cannot_swap_someone_elses_shift(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.admin.user_id)))
    body = {"user_id": str(tenant.responder.user_id), "swap_of_user_id": str(tenant.admin.user_id), **_window(3)}
    response = await client.post(f"{SCHEDULES}/{created['id']}/swaps", json=body, headers=tenant.responder.headers)
    assert response.status_code == 403, response.text


async def test_staff_swap_anyones_shift(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    body = {"user_id": str(tenant.admin.user_id), "swap_of_user_id": str(tenant.responder.user_id), **_window(30)}
    response = await client.post(f"{SCHEDULES}/{created['id']}/swaps", json=body, headers=tenant.coordinator.headers)
    assert response.status_code == 201, response.text


async def test_a_deactivated_member_is_not_returned_as_on_call(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    deactivated = await client.post(
        f"/api/v1/users/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers
    )
    assert deactivated.status_code == 200, deactivated.text
    async with container.engine.connect() as connection:
        assert await on_call_user_ids(connection, tenant.organization_id, UUID(created["id"]), utcnow()) == []
