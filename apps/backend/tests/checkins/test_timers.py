"""Starting, reading, extending, locating and cancelling a check-in timer through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from tests.checkins.support import events_of, in_minutes, start_timer, timer_body, timers_count
from tests.factories import Tenant


async def test_a_reporter_starts_a_timer_for_themselves(client: AsyncClient, tenant: Tenant) -> None:
    before = utcnow()
    timer = await start_timer(client, tenant.reporter, duration_minutes=45)
    assert timer["user_id"] == str(tenant.reporter.user_id)
    assert timer["status"] == "active"
    assert timer["note"] == "walking home"
    assert (timer["severity"], timer["category"]) == ("high", "personal_safety")
    assert (timer["lat"], timer["lon"], timer["accuracy_m"]) == (52.52, 13.405, 8.0)
    due = datetime.fromisoformat(timer["due_at"])
    assert before + timedelta(minutes=45) <= due <= utcnow() + timedelta(minutes=45)


async def test_starting_a_timer_records_checkin_started(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter)
    [event] = await events_of(container, "checkin.started", timer["id"])
    assert event["user_id"] == str(tenant.reporter.user_id)
    assert datetime.fromisoformat(event["due_at"]) == datetime.fromisoformat(timer["due_at"])


async def test_a_timer_may_be_due_at_an_absolute_time(client: AsyncClient, tenant: Tenant) -> None:
    due_at = in_minutes(90)
    timer = await start_timer(client, tenant.responder, duration_minutes=None, due_at=due_at)
    assert datetime.fromisoformat(timer["due_at"]) == datetime.fromisoformat(due_at)


async def test_a_repeated_idempotency_key_returns_the_first_timer(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    headers = tenant.reporter.headers | {"Idempotency-Key": "walk-home-0001"}
    first = await client.post("/api/v1/checkins", json=timer_body(), headers=headers)
    again = await client.post("/api/v1/checkins", json=timer_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await timers_count(container) == 1


async def test_the_owner_reads_their_timer_with_its_etag(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    response = await client.get(f"/api/v1/checkins/{timer['id']}", headers=tenant.reporter.headers)
    assert response.status_code == 200
    assert response.json() == timer
    assert response.headers["ETag"] == '"1"'


async def test_extending_moves_the_due_time_and_bumps_the_version(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter, duration_minutes=10)
    response = await client.post(
        f"/api/v1/checkins/{timer['id']}/extend",
        json={"duration_minutes": 60},
        headers=tenant.reporter.headers | {"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    extended = response.json()
    assert extended["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert datetime.fromisoformat(extended["due_at"]) - datetime.fromisoformat(timer["due_at"]) >= timedelta(minutes=49)
    [event] = await events_of(container, "checkin.extended", timer["id"])
    assert event["previous_due_at"] is not None
    assert datetime.fromisoformat(event["due_at"]) == datetime.fromisoformat(extended["due_at"])


async def test_extending_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}/extend"
    await client.post(url, json={"duration_minutes": 20}, headers=tenant.reporter.headers)
    stale = await client.post(url, json={"duration_minutes": 90}, headers=tenant.reporter.headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2


async def test_a_new_location_becomes_the_last_known_one(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    timer = await start_timer(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/checkins/{timer['id']}/location",
        json={"lat": 52.6, "lon": 13.5, "accuracy_m": 3.0},
        headers=tenant.reporter.headers,
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert (moved["lat"], moved["lon"], moved["accuracy_m"]) == (52.6, 13.5, 3.0)
    assert moved["version"] == timer["version"]
    assert await events_of(container, "checkin.location_updated", timer["id"]) == []


async def test_a_fix_older_than_the_last_known_location_is_ignored(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    older = (datetime.fromisoformat(timer["located_at"]) - timedelta(minutes=5)).isoformat()
    response = await client.post(
        f"/api/v1/checkins/{timer['id']}/location",
        json={"lat": 10.0, "lon": 10.0, "recorded_at": older},
        headers=tenant.reporter.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["lat"], response.json()["lon"]) == (timer["lat"], timer["lon"])


async def test_cancelling_stops_the_timer(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    timer = await start_timer(client, tenant.reporter)
    response = await client.post(f"/api/v1/checkins/{timer['id']}/cancel", headers=tenant.reporter.headers)
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled_by_id"] == str(tenant.reporter.user_id)
    assert cancelled["version"] == 2
    assert len(await events_of(container, "checkin.cancelled", timer["id"])) == 1


async def test_a_cancelled_timer_can_be_neither_extended_nor_cancelled_again(
    client: AsyncClient, tenant: Tenant
) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}"
    await client.post(f"{url}/cancel", headers=tenant.reporter.headers)
    extend = await client.post(f"{url}/extend", json={"duration_minutes": 5}, headers=tenant.reporter.headers)
    cancel = await client.post(f"{url}/cancel", headers=tenant.reporter.headers)
    locate = await client.post(f"{url}/location", json={"lat": 1.0, "lon": 1.0}, headers=tenant.reporter.headers)
    assert [extend.status_code, cancel.status_code, locate.status_code] == [409, 409, 409]
    assert extend.json()["current_status"] == "cancelled"


async def test_staff_may_cancel_someone_elses_timer(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    response = await client.post(f"/api/v1/checkins/{timer['id']}/cancel", headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    assert response.json()["cancelled_by_id"] == str(tenant.coordinator.user_id)


async def test_staff_may_neither_extend_nor_relocate_someone_elses_timer(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}"
    extend = await client.post(f"{url}/extend", json={"duration_minutes": 5}, headers=tenant.admin.headers)
    locate = await client.post(f"{url}/location", json={"lat": 1.0, "lon": 1.0}, headers=tenant.admin.headers)
    assert [extend.status_code, locate.status_code] == [403, 403]


async def test_other_members_cannot_see_or_touch_a_timer(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}"
    headers = tenant.responder.headers
    responses = [
        await client.get(url, headers=headers),
        await client.post(f"{url}/extend", json={"duration_minutes": 5}, headers=headers),
        await client.post(f"{url}/location", json={"lat": 1.0, "lon": 1.0}, headers=headers),
        await client.post(f"{url}/cancel", headers=headers),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]


async def test_another_organizations_staff_get_404(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}"
    headers = other_tenant.admin.headers
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.post(f"{url}/cancel", headers=headers)).status_code == 404
    listed = await client.get("/api/v1/checkins", headers=headers)
    assert listed.json()["items"] == []


async def test_members_list_only_their_own_timers(client: AsyncClient, tenant: Tenant) -> None:
    mine = await start_timer(client, tenant.reporter)
    await start_timer(client, tenant.responder)
    response = await client.get("/api/v1/checkins", headers=tenant.reporter.headers)
    assert [t["id"] for t in response.json()["items"]] == [mine["id"]]
    someone_else = await client.get(
        "/api/v1/checkins", params={"user_id": str(tenant.responder.user_id)}, headers=tenant.reporter.headers
    )
    assert someone_else.json()["items"] == []


async def test_staff_list_the_organizations_active_timers(client: AsyncClient, tenant: Tenant) -> None:
    first = await start_timer(client, tenant.reporter)
    second = await start_timer(client, tenant.responder)
    cancelled = await start_timer(client, tenant.reporter)
    await client.post(f"/api/v1/checkins/{cancelled['id']}/cancel", headers=tenant.reporter.headers)
    response = await client.get("/api/v1/checkins", params={"status": "active"}, headers=tenant.coordinator.headers)
    assert [t["id"] for t in response.json()["items"]] == [second["id"], first["id"]]


async def test_staff_filter_the_list_by_person_and_page_through_it(client: AsyncClient, tenant: Tenant) -> None:
    timers = [await start_timer(client, tenant.reporter) for _ in range(3)]
    await start_timer(client, tenant.responder)
    params: dict[str, str | int] = {"user_id": str(tenant.reporter.user_id), "limit": 2}
    first = (await client.get("/api/v1/checkins", params=params, headers=tenant.admin.headers)).json()
    rest = (
        await client.get(
            "/api/v1/checkins", params=params | {"cursor": first["next_cursor"]}, headers=tenant.admin.headers
        )
    ).json()
    listed = [t["id"] for t in first["items"] + rest["items"]]
    assert listed == [t["id"] for t in reversed(timers)]
    assert rest["next_cursor"] is None
