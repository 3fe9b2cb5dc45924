"""Bad input gets a 422 that names the field, and nothing is saved or changed."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from tests.checkins.support import START, in_minutes, start_timer, timer_body, timers_count
from tests.factories import Tenant, sos_body

BAD_TIMERS: list[tuple[str, dict[str, Any], str]] = [
    ("due in 30 seconds", {"duration_minutes": None, "due_at": in_minutes(0.5)}, "#/due_at"),
    ("due in 25 hours", {"duration_minutes": None, "due_at": in_minutes(25 * 60)}, "#/due_at"),
    ("due in the past", {"duration_minutes": None, "due_at": in_minutes(-10)}, "#/due_at"),
    ("due time without offset", {"duration_minutes": None, "due_at": "2030-01-01T22:30:00"}, "#/due_at"),
    ("both due_at and duration", {"due_at": in_minutes(30)}, "#/due_at"),
    ("neither due_at nor duration", {"duration_minutes": None}, "#/due_at"),
    ("zero minutes", {"duration_minutes": 0}, "#/duration_minutes"),
    ("more than a day", {"duration_minutes": 1441}, "#/duration_minutes"),
    ("minutes as a string", {"duration_minutes": "30"}, "#/duration_minutes"),
    ("no location", {"location": None}, "#/location"),
    ("latitude out of range", {"location": START | {"lat": 91}}, "#/location/lat"),
    ("empty note", {"note": ""}, "#/note"),
    ("note too long", {"note": "x" * 501}, "#/note"),
    ("unknown severity", {"severity": "apocalyptic"}, "#/severity"),
    ("unknown field", {"color": "red"}, "#/color"),
]


@pytest.mark.parametrize(("body", "pointer"), [c[1:] for c in BAD_TIMERS], ids=[c[0] for c in BAD_TIMERS])
async def test_a_bad_timer_is_refused_naming_the_field(
    client: AsyncClient, tenant: Tenant, container: Container, body: dict[str, Any], pointer: str
) -> None:
    response = await client.post("/api/v1/checkins", json=timer_body(**body), headers=tenant.reporter.headers)
    assert response.status_code == 422, response.text
    assert pointer in [error["pointer"] for error in response.json()["errors"]]
    assert await timers_count(container) == 0


BAD_EXTENSIONS: list[tuple[str, dict[str, Any], str]] = [
    ("due in the past", {"due_at": in_minutes(-1)}, "#/due_at"),
    ("due in 25 hours", {"due_at": in_minutes(25 * 60)}, "#/due_at"),
    ("nothing", {}, "#/due_at"),
    ("negative minutes", {"duration_minutes": -5}, "#/duration_minutes"),
]


@pytest.mark.parametrize(("body", "pointer"), [c[1:] for c in BAD_EXTENSIONS], ids=[c[0] for c in BAD_EXTENSIONS])
async def test_a_bad_extension_is_refused_and_changes_nothing(
    client: AsyncClient, tenant: Tenant, body: dict[str, Any], pointer: str
) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}"
    response = await client.post(f"{url}/extend", json=body, headers=tenant.reporter.headers)
    assert response.status_code == 422, response.text
    assert pointer in [error["pointer"] for error in response.json()["errors"]]
    assert (await client.get(url, headers=tenant.reporter.headers)).json() == timer


async def test_a_bad_location_update_is_refused_and_changes_nothing(client: AsyncClient, tenant: Tenant) -> None:
    timer = await start_timer(client, tenant.reporter)
    url = f"/api/v1/checkins/{timer['id']}"
    response = await client.post(f"{url}/location", json={"lat": 12.0, "lon": 181}, headers=tenant.reporter.headers)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/lon"]
    assert (await client.get(url, headers=tenant.reporter.headers)).json() == timer


async def test_a_client_cannot_raise_an_alert_as_a_checkin(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post("/api/v1/alerts", json=sos_body(source="checkin"), headers=tenant.reporter.headers)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/source"]
    listed = await client.get("/api/v1/alerts", headers=tenant.reporter.headers)
    assert listed.json()["items"] == []
