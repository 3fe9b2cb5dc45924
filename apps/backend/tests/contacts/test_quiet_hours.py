"""Quiet hours: one daily window in the user's time zone, set, read back and cleared through the API."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from sos.core.container import Container
from tests.contacts.support import QUIET_HOURS, events
from tests.factories import Tenant

NIGHT = {"start": "22:30", "end": "07:00", "timezone": "Europe/Berlin"}


async def _put(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> Any:
    return await client.put(QUIET_HOURS, json=body, headers=tenant.responder.headers)


async def test_there_are_no_quiet_hours_at_first(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(QUIET_HOURS, headers=tenant.reporter.headers)
    assert response.json() == {"start": None, "end": None, "timezone": "UTC"}


async def test_quiet_hours_are_set_and_read_back(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, NIGHT)
    assert response.status_code == 200, response.text
    assert response.json() == NIGHT
    assert (await client.get(QUIET_HOURS, headers=tenant.responder.headers)).json() == NIGHT


async def test_setting_quiet_hours_records_them(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await _put(client, tenant, NIGHT)
    (changed,) = await events(container, "notification_settings.quiet_hours_changed")
    assert changed.payload == {"user_id": str(tenant.responder.user_id), **NIGHT}


async def test_quiet_hours_are_each_users_own(client: AsyncClient, tenant: Tenant) -> None:
    await _put(client, tenant, NIGHT)
    response = await client.get(QUIET_HOURS, headers=tenant.coordinator.headers)
    assert response.json()["start"] is None


async def test_null_times_clear_quiet_hours(client: AsyncClient, tenant: Tenant) -> None:
    await _put(client, tenant, NIGHT)
    response = await _put(client, tenant, {"start": None, "end": None, "timezone": "Europe/Berlin"})
    assert response.json() == {"start": None, "end": None, "timezone": "Europe/Berlin"}


async def test_setting_the_same_quiet_hours_again_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _put(client, tenant, NIGHT)
    await _put(client, tenant, NIGHT)
    assert len(await events(container, "notification_settings.quiet_hours_changed")) == 1


async def test_clearing_absent_quiet_hours_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _put(client, tenant, {"start": None, "end": None, "timezone": "UTC"})
    assert await events(container, "notification_settings.quiet_hours_changed") == []


async def test_a_start_without_an_end_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {"start": "22:00", "end": None, "timezone": "UTC"})
    assert response.status_code == 422
    assert "both start and end" in response.text


async def test_a_window_that_ends_when_it_starts_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {"start": "22:00", "end": "22:00", "timezone": "UTC"})
    assert response.status_code == 422
    assert "must differ" in response.text


async def test_an_unknown_time_zone_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {**NIGHT, "timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/timezone"


async def test_a_path_is_not_a_time_zone(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {**NIGHT, "timezone": "../../etc/passwd"})
    assert response.status_code == 422


async def test_a_time_past_midnight_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {**NIGHT, "start": "24:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/start"


async def test_a_time_without_leading_zero_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {**NIGHT, "end": "7:00"})
    assert response.status_code == 422


async def test_the_time_zone_is_required(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant, {"start": "22:00", "end": "06:00"})
    assert response.status_code == 422
