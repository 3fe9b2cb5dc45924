"""Team dispatch settings: defaults, replacing them with If-Match, and what is refused."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.ids import new_id
from tests.dispatch.support import events, team_of
from tests.factories import Tenant


def _url(team_id: UUID | str) -> str:
    return f"/api/v1/teams/{team_id}/dispatch-settings"


async def test_a_team_starts_on_the_defaults(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    team_id = await team_of(container, tenant)
    response = await client.get(_url(team_id), headers=tenant.coordinator.headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"0"'
    assert response.json() == {
        "team_id": str(team_id),
        "mode": "suggest",
        "offer_timeout_seconds": 60,
        "required_skills": [],
        "max_offers": 10,
        "radius_km": 50.0,
        "updated_at": None,
        "version": 0,
    }


async def test_settings_are_replaced_and_recorded(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    team_id = await team_of(container, tenant)
    body = {"mode": "auto", "offer_timeout_seconds": 30, "required_skills": ["First_Aid", "cpr"], "max_offers": 3}
    response = await client.put(_url(team_id), json=body, headers=tenant.admin.headers | {"If-Match": '"0"'})
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"1"'
    saved = response.json()
    assert saved["mode"] == "auto"
    assert saved["required_skills"] == ["first_aid", "cpr"]
    assert saved["radius_km"] == 50.0
    again = await client.get(_url(team_id), headers=tenant.admin.headers)
    assert again.json() == saved
    [event] = await events(container, "team_dispatch_settings.updated")
    assert event.payload["mode"] == "auto"
    assert event.payload["version"] == 1
    assert event.actor_id == tenant.admin.user_id


async def test_a_stale_if_match_is_refused(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    team_id = await team_of(container, tenant)
    first = await client.put(_url(team_id), json={"mode": "auto"}, headers=tenant.coordinator.headers)
    assert first.status_code == 200
    stale = await client.put(
        _url(team_id), json={"mode": "suggest"}, headers=tenant.coordinator.headers | {"If-Match": '"0"'}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"


async def test_replacing_with_the_same_settings_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    team_id = await team_of(container, tenant)
    await client.put(_url(team_id), json={"mode": "auto"}, headers=tenant.coordinator.headers)
    again = await client.put(_url(team_id), json={"mode": "auto"}, headers=tenant.coordinator.headers)
    assert again.json()["version"] == 1
    assert len(await events(container, "team_dispatch_settings.updated")) == 1


async def test_an_unknown_team_is_404(client: AsyncClient, tenant: Tenant) -> None:
    assert (await client.get(_url(new_id()), headers=tenant.coordinator.headers)).status_code == 404
    response = await client.put(_url(new_id()), json={}, headers=tenant.coordinator.headers)
    assert response.status_code == 404


async def test_another_tenants_team_is_404(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    team_id = await team_of(container, other_tenant)
    assert (await client.get(_url(team_id), headers=tenant.coordinator.headers)).status_code == 404


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"offer_timeout_seconds": 9}, "#/offer_timeout_seconds"),
        ({"offer_timeout_seconds": 601}, "#/offer_timeout_seconds"),
        ({"offer_timeout_seconds": "60"}, "#/offer_timeout_seconds"),
        ({"max_offers": 0}, "#/max_offers"),
        ({"max_offers": 51}, "#/max_offers"),
        ({"radius_km": 0}, "#/radius_km"),
        ({"radius_km": 20_001}, "#/radius_km"),
        ({"mode": "sometimes"}, "#/mode"),
        ({"required_skills": ["First Aid!"]}, "#/required_skills/0"),
        ({"required_skills": "first_aid"}, "#/required_skills"),
        ({"colour": "red"}, "#/colour"),
    ],
)
async def test_bad_settings_are_refused_naming_the_field(
    client: AsyncClient, container: Container, tenant: Tenant, body: dict[str, Any], pointer: str
) -> None:
    team_id = await team_of(container, tenant)
    response = await client.put(_url(team_id), json=body, headers=tenant.coordinator.headers)
    assert response.status_code == 422, response.text
    assert pointer in [error["pointer"] for error in response.json()["errors"]]
