from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from sos.alerts.models import Alert
from sos.alerts.service import alert_ids_visible
from sos.auth.principal import Principal
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.core.pagination import encode_cursor
from sos.users.domain import Role
from tests.factories import Member, Tenant, raise_sos, team_with


async def listed(client: AsyncClient, member: Member, **params: Any) -> list[str]:
    response = await client.get("/api/v1/alerts", params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def at(client: AsyncClient, member: Member, lat: float, lon: float) -> str:
    alert = await raise_sos(client, member, location={"lat": lat, "lon": lon})
    return str(alert["id"])


async def test_staff_see_every_alert_of_their_tenant_newest_first(client: AsyncClient, tenant: Tenant) -> None:
    ids = [(await raise_sos(client, member))["id"] for member in (tenant.reporter, tenant.responder, tenant.admin)]
    assert await listed(client, tenant.coordinator) == ids[::-1]


async def test_reporter_sees_only_their_own_alerts(client: AsyncClient, tenant: Tenant) -> None:
    mine = (await raise_sos(client, tenant.reporter))["id"]
    await raise_sos(client, tenant.admin)
    assert await listed(client, tenant.reporter) == [mine]


async def test_responder_sees_assigned_and_own_alerts(client: AsyncClient, tenant: Tenant) -> None:
    assigned = (await raise_sos(client, tenant.reporter))["id"]
    await raise_sos(client, tenant.reporter)
    own = (await raise_sos(client, tenant.responder))["id"]
    await client.post(
        f"/api/v1/alerts/{assigned}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert await listed(client, tenant.responder) == [own, assigned]


async def test_other_tenants_alerts_are_never_listed(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    await raise_sos(client, other_tenant.reporter)
    assert await listed(client, tenant.admin) == []


async def test_filter_by_status(client: AsyncClient, tenant: Tenant) -> None:
    triggered = (await raise_sos(client, tenant.reporter))["id"]
    cancelled = (await raise_sos(client, tenant.reporter))["id"]
    acknowledged = (await raise_sos(client, tenant.reporter))["id"]
    await client.post(f"/api/v1/alerts/{cancelled}/cancel", headers=tenant.coordinator.headers)
    await client.post(f"/api/v1/alerts/{acknowledged}/acknowledge", headers=tenant.coordinator.headers)
    assert await listed(client, tenant.coordinator, status="triggered") == [triggered]
    assert await listed(client, tenant.coordinator, status=["cancelled", "acknowledged"]) == [acknowledged, cancelled]


async def test_filter_by_severity(client: AsyncClient, tenant: Tenant) -> None:
    low = (await raise_sos(client, tenant.reporter, severity="low"))["id"]
    await raise_sos(client, tenant.reporter, severity="critical")
    assert await listed(client, tenant.coordinator, severity="low") == [low]


async def test_filter_by_team(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    for_team = (await raise_sos(client, tenant.reporter))["id"]
    await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{for_team}/assignments", json={"team_ids": [str(team_id)]}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 200
    assert await listed(client, tenant.coordinator, team_id=str(team_id)) == [for_team]
    assert await listed(client, tenant.coordinator, team_id=str(uuid4())) == []


async def test_filter_by_incident(client: AsyncClient, tenant: Tenant) -> None:
    await raise_sos(client, tenant.reporter)
    assert await listed(client, tenant.coordinator, incident_id=str(uuid4())) == []


async def test_filter_by_time_window(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    old, recent = (await raise_sos(client, tenant.reporter))["id"], (await raise_sos(client, tenant.reporter))["id"]
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Alert).where(Alert.id == UUID(old)).values(created_at=utcnow().replace(year=2020))
        )
    assert await listed(client, tenant.coordinator, created_after="2021-01-01T00:00:00Z") == [recent]
    assert await listed(client, tenant.coordinator, created_before="2021-01-01T00:00:00+00:00") == [old]
    window = {"created_after": "2019-12-31T23:00:00-01:00", "created_before": "2020-12-31T00:00:00Z"}
    assert await listed(client, tenant.coordinator, **window) == [old]


async def test_naive_time_window_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        "/api/v1/alerts", params={"created_after": "2021-01-01T00:00:00"}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/created_after"


async def test_filter_by_bounding_box(client: AsyncClient, tenant: Tenant) -> None:
    berlin = await at(client, tenant.reporter, 52.52, 13.405)
    await at(client, tenant.reporter, 48.85, 2.35)
    assert await listed(client, tenant.coordinator, bbox="13,52,14,53") == [berlin]


async def test_bounding_box_includes_its_edges(client: AsyncClient, tenant: Tenant) -> None:
    corner = await at(client, tenant.reporter, 10.0, 20.0)
    assert await listed(client, tenant.coordinator, bbox="20,10,21,11") == [corner]


async def test_bounding_box_may_cross_the_antimeridian(client: AsyncClient, tenant: Tenant) -> None:
    fiji = await at(client, tenant.reporter, -17.7, 178.0)
    samoa = await at(client, tenant.reporter, -13.8, -172.1)
    await at(client, tenant.reporter, -17.7, 0.0)
    assert await listed(client, tenant.coordinator, bbox="170,-20,-170,-10") == [samoa, fiji]


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "a,b,c,d", "0,0,200,10", "0,-91,10,10", "0,20,10,10", "nan,0,1,1", "inf,0,1,1", "1,2,3,4,5"]
)
async def test_malformed_bounding_box_is_rejected(client: AsyncClient, tenant: Tenant, bbox: str) -> None:
    response = await client.get("/api/v1/alerts", params={"bbox": bbox}, headers=tenant.coordinator.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["pointer"] == "#/bbox"


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"status": "open"}, "#/status/0"),
        ({"severity": "urgent"}, "#/severity/0"),
        ({"team_id": "x"}, "#/team_id"),
        ({"limit": 0}, "#/limit"),
        ({"limit": 201}, "#/limit"),
    ],
)
async def test_malformed_filter_is_rejected(
    client: AsyncClient, tenant: Tenant, params: dict[str, Any], pointer: str
) -> None:
    response = await client.get("/api/v1/alerts", params=params, headers=tenant.coordinator.headers)
    assert response.status_code == 422
    assert [(error["in"], error["pointer"]) for error in response.json()["errors"]] == [("query", pointer)]


async def test_pages_walk_every_alert_once(client: AsyncClient, tenant: Tenant) -> None:
    ids = [(await raise_sos(client, tenant.reporter))["id"] for _ in range(5)]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await client.get("/api/v1/alerts", params=params, headers=tenant.coordinator.headers)).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ids[::-1]


async def test_last_page_has_no_cursor(client: AsyncClient, tenant: Tenant) -> None:
    await raise_sos(client, tenant.reporter)
    page = (await client.get("/api/v1/alerts", params={"limit": 1}, headers=tenant.coordinator.headers)).json()
    assert page["next_cursor"] is None
    assert len(page["items"]) == 1


async def test_cursor_applies_with_filters(client: AsyncClient, tenant: Tenant) -> None:
    ids = [(await raise_sos(client, tenant.reporter, severity="low"))["id"] for _ in range(3)]
    cursor = encode_cursor(UUID(ids[2]))
    assert await listed(client, tenant.coordinator, severity="low", cursor=cursor) == [ids[1], ids[0]]


@pytest.mark.parametrize("cursor", ["garbage!", encode_cursor(new_id(), new_id()), "WzVd"])
async def test_tampered_cursor_is_a_bad_request(client: AsyncClient, tenant: Tenant, cursor: str) -> None:
    response = await client.get("/api/v1/alerts", params={"cursor": cursor}, headers=tenant.coordinator.headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_listing_needs_a_token(client: AsyncClient) -> None:
    response = await client.get("/api/v1/alerts")
    assert response.status_code == 401


async def test_visible_alert_ids_follow_the_callers_visibility(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    mine = UUID((await raise_sos(client, tenant.reporter))["id"])
    theirs = UUID((await raise_sos(client, tenant.admin))["id"])
    reporter = Principal(user_id=tenant.reporter.user_id, organization_id=tenant.organization_id, role=Role.REPORTER)
    async with container.engine.connect() as connection:
        visible = set((await connection.execute(alert_ids_visible(reporter, [mine, theirs]))).scalars())
    assert visible == {mine}
