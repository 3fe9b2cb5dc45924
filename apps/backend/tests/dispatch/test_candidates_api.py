"""GET /alerts/{id}/dispatch/candidates: what a coordinator sees in suggest mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from tests.dispatch.support import (
    ALERT_SPOT,
    alert_url,
    north_of,
    offer_to,
    place,
    responder_at,
    set_dispatch,
    sos_at,
    team_of,
)
from tests.factories import Tenant


async def test_a_responder_whose_last_location_is_older_than_the_limit_is_not_a_candidate(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    an_hour_ago = utcnow() - timedelta(hours=1)
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100), located_at=an_hour_ago)
    recent = await responder_at(container, tenant, *north_of(ALERT_SPOT, 900), label="recent")
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)
    body = response.json()
    assert [item["responder"]["user_id"] for item in body["items"]] == [str(recent.user_id)]
    assert body["location_max_age_minutes"] == 30


async def test_candidates_are_ranked_with_their_reason(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 1_500), skills=["first_aid"])
    near = await responder_at(container, tenant, *north_of(ALERT_SPOT, 420), label="near", skills=["first_aid", "cpr"])
    team_id = await team_of(container, tenant, near)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ranked_by"] == "distance"
    assert body["origin"] == {"lat": ALERT_SPOT[0], "lon": ALERT_SPOT[1]}
    first, second = body["items"]
    assert first["rank"] == 1
    assert first["distance_m"] == pytest.approx(420, abs=1)
    assert first["eta_seconds"] is None
    assert first["reason"] == "nearest available: 420 m"
    assert first["engaged_alert_id"] is None
    assert first["responder"]["user_id"] == str(near.user_id)
    assert first["responder"]["skills"] == ["first_aid", "cpr"]
    assert first["responder"]["availability"] == "available"
    assert first["responder"]["team_ids"] == [str(team_id)]
    assert first["responder"]["last_location"]["lat"] == pytest.approx(north_of(ALERT_SPOT, 420)[0])
    assert second["responder"]["user_id"] == str(tenant.responder.user_id)
    assert second["reason"] == "next nearest available (#2): 1.5 km"


async def test_a_skill_filter_names_the_matched_skill(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100), skills=["first_aid"])
    medic = await responder_at(
        container, tenant, *north_of(ALERT_SPOT, 800), label="medic", skills=["cpr", "first_aid"]
    )
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(
        alert_url(alert_id, "/candidates"), params={"skill": ["CPR", "first_aid"]}, headers=tenant.coordinator.headers
    )
    [item] = response.json()["items"]
    assert item["responder"]["user_id"] == str(medic.user_id)
    assert item["matched_skills"] == ["cpr", "first_aid"]
    assert item["reason"] == "nearest available: 800 m, skills cpr, first_aid"


async def test_a_team_brings_its_required_skills_and_radius(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medic = await responder_at(container, tenant, *north_of(ALERT_SPOT, 3_000), label="medic", skills=["cpr"])
    plain = await responder_at(container, tenant, *north_of(ALERT_SPOT, 1_000), label="plain", skills=[])
    team_id = await team_of(container, tenant, medic, plain)
    await set_dispatch(client, tenant, team_id, required_skills=["cpr"], radius_km=2)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    within_team_radius = await client.get(
        alert_url(alert_id, "/candidates"), params={"team_id": str(team_id)}, headers=tenant.coordinator.headers
    )
    assert within_team_radius.json()["items"] == []
    assert within_team_radius.json()["radius_km"] == 2
    wider = await client.get(
        alert_url(alert_id, "/candidates"),
        params={"team_id": str(team_id), "radius_km": 5},
        headers=tenant.coordinator.headers,
    )
    assert [item["responder"]["user_id"] for item in wider.json()["items"]] == [str(medic.user_id)]


async def test_the_person_in_danger_is_never_a_candidate(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100))
    alert = await client.post(
        "/api/v1/alerts",
        json={"location": {"lat": ALERT_SPOT[0], "lon": ALERT_SPOT[1]}},
        headers=tenant.responder.headers,
    )
    response = await client.get(alert_url(alert.json()["id"], "/candidates"), headers=tenant.coordinator.headers)
    assert response.json()["items"] == []


async def test_a_responder_already_offered_this_alert_is_shown_as_engaged_here(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 300))
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, alert_id, tenant.responder)
    [item] = (await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)).json()["items"]
    assert item["engaged_alert_id"] == alert_id


async def test_a_responder_engaged_on_another_alert_is_not_a_candidate(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 300))
    first = await sos_at(client, tenant, *ALERT_SPOT)
    second = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, first, tenant.responder)
    response = await client.get(alert_url(second, "/candidates"), headers=tenant.coordinator.headers)
    assert response.json()["items"] == []


async def test_the_limit_caps_the_list(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    for n in range(4):
        await responder_at(container, tenant, *north_of(ALERT_SPOT, 100 * (n + 1)), label=f"r{n}")
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(
        alert_url(alert_id, "/candidates"), params={"limit": 2}, headers=tenant.coordinator.headers
    )
    assert [item["rank"] for item in response.json()["items"]] == [1, 2]


@pytest.mark.parametrize(
    "params",
    [{"skill": "First Aid!"}, {"limit": 0}, {"limit": 51}, {"radius_km": 0}, {"radius_km": 20_001}, {"team_id": "x"}],
)
async def test_bad_query_parameters_are_422(
    client: AsyncClient, container: Container, tenant: Tenant, params: dict[str, str | int]
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(alert_url(alert_id, "/candidates"), params=params, headers=tenant.coordinator.headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"


async def test_an_unknown_team_is_404(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(
        alert_url(alert_id, "/candidates"), params={"team_id": str(new_id())}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 404
    assert response.json()["resource"] == "team"


async def test_another_tenants_alert_is_404(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    alert_id = await sos_at(client, other_tenant, *ALERT_SPOT)
    response = await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)
    assert response.status_code == 404
