from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.core.events import OutboxEvent
from sos.users.domain import Role
from tests.factories import Member, Tenant, raise_sos

URL = "/api/v1/teams"


async def make_team(client: AsyncClient, tenant: Tenant, name: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(URL, json={"name": name} | fields, headers=tenant.coordinator.headers)
    assert response.status_code == 201, response.text
    team: dict[str, Any] = response.json()
    return team


async def add(client: AsyncClient, tenant: Tenant, team: dict[str, Any], member: Member, role: str = "member") -> int:
    response = await client.put(
        f"{URL}/{team['id']}/members/{member.user_id}", json={"role": role}, headers=tenant.coordinator.headers
    )
    return response.status_code


# --- teams -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
async def test_staff_create_teams(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.post(
        URL, json={"name": "Medics", "description": "First aid"}, headers=tenant.members[role].headers
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Medics"
    assert body["parent_id"] is None
    assert body["organization_id"] == str(tenant.organization_id)
    assert response.headers["Location"] == f"/api/v1/teams/{body['id']}"
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_create_teams(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.post(URL, json={"name": "Rogue"}, headers=tenant.members[role].headers)
    assert response.status_code == 403


async def test_a_team_can_sit_below_a_parent(client: AsyncClient, tenant: Tenant) -> None:
    parent = await make_team(client, tenant, "North")
    child = await make_team(client, tenant, "North Medics", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]


async def test_team_names_are_unique_per_organization(client: AsyncClient, tenant: Tenant) -> None:
    await make_team(client, tenant, "Medics")
    response = await client.post(URL, json={"name": "medics"}, headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"


async def test_the_same_name_is_free_in_another_organization(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await make_team(client, tenant, "Medics")
    assert (await make_team(client, other_tenant, "Medics"))["name"] == "Medics"


async def test_a_parent_from_another_organization_is_refused(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await make_team(client, other_tenant, "Foreign")
    response = await client.post(URL, json={"name": "Mine", "parent_id": foreign["id"]}, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"
    assert response.json()["errors"][0]["pointer"] == "#/parent_id"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"name": ""}, "#/name"),
        ({"name": "A", "colour": "red"}, "#/colour"),
        ({"name": "A", "parent_id": "x"}, "#/parent_id"),
    ],
)
async def test_creation_rejects_bad_fields(
    client: AsyncClient, tenant: Tenant, body: dict[str, Any], pointer: str
) -> None:
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.RESPONDER])
async def test_staff_and_responders_list_teams(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.get(URL, headers=tenant.members[role].headers)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [team["id"]]


@pytest.mark.parametrize("path", ["", "/{team}", "/{team}/members"])
async def test_reporters_cannot_read_teams(client: AsyncClient, tenant: Tenant, path: str) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.get(URL + path.format(team=team["id"]), headers=tenant.reporter.headers)
    assert response.status_code == 403


async def test_list_shows_only_the_callers_teams(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    await make_team(client, other_tenant, "Elsewhere")
    response = await client.get(URL, headers=tenant.admin.headers)
    assert response.json()["items"] == []


async def test_list_filters_by_parent(client: AsyncClient, tenant: Tenant) -> None:
    parent = await make_team(client, tenant, "North")
    child = await make_team(client, tenant, "North Medics", parent_id=parent["id"])
    await make_team(client, tenant, "South")
    response = await client.get(URL, params={"parent_id": parent["id"]}, headers=tenant.admin.headers)
    assert [item["id"] for item in response.json()["items"]] == [child["id"]]


async def test_list_pages_with_a_cursor(client: AsyncClient, tenant: Tenant) -> None:
    for name in ("A", "B", "C"):
        await make_team(client, tenant, name)
    first = await client.get(URL, params={"limit": 2}, headers=tenant.admin.headers)
    second = await client.get(
        URL, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=tenant.admin.headers
    )
    names = [item["name"] for item in first.json()["items"] + second.json()["items"]]
    assert names == ["A", "B", "C"]
    assert second.json()["next_cursor"] is None


async def test_read_one_team(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.get(f"{URL}/{team['id']}", headers=tenant.responder.headers)
    assert response.status_code == 200
    assert response.json() == team


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("GET", "/members"),
        ("PUT", "/members/{user}"),
        ("DELETE", "/members/{user}"),
    ],
)
async def test_another_tenants_team_is_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, method: str, path: str
) -> None:
    foreign = await make_team(client, other_tenant, "Foreign")
    url = f"{URL}/{foreign['id']}" + path.format(user=tenant.responder.user_id)
    body = {"name": "Taken"} if method == "PATCH" else None
    response = await client.request(method, url, json=body, headers=tenant.admin.headers)
    assert response.status_code == 404


async def test_rename_and_describe_a_team(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics", description="old")
    response = await client.patch(
        f"{URL}/{team['id']}", json={"name": "Paramedics", "description": None}, headers=tenant.admin.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Paramedics"
    assert response.json()["description"] is None
    assert response.headers["ETag"] == '"2"'


async def test_renaming_onto_an_existing_name_conflicts(client: AsyncClient, tenant: Tenant) -> None:
    await make_team(client, tenant, "Medics")
    team = await make_team(client, tenant, "Rescue")
    response = await client.patch(f"{URL}/{team['id']}", json={"name": "MEDICS"}, headers=tenant.admin.headers)
    assert response.status_code == 409


async def test_move_a_team_below_another_and_back_to_the_top(client: AsyncClient, tenant: Tenant) -> None:
    north = await make_team(client, tenant, "North")
    medics = await make_team(client, tenant, "Medics")
    moved = await client.patch(f"{URL}/{medics['id']}", json={"parent_id": north["id"]}, headers=tenant.admin.headers)
    assert moved.json()["parent_id"] == north["id"]
    top = await client.patch(f"{URL}/{medics['id']}", json={"parent_id": None}, headers=tenant.admin.headers)
    assert top.json()["parent_id"] is None


async def test_a_team_cannot_be_its_own_parent(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Loop")
    response = await client.patch(f"{URL}/{team['id']}", json={"parent_id": team["id"]}, headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "team_cycle"


async def test_a_team_cannot_move_below_its_own_descendant(client: AsyncClient, tenant: Tenant) -> None:
    top = await make_team(client, tenant, "Top")
    middle = await make_team(client, tenant, "Middle", parent_id=top["id"])
    bottom = await make_team(client, tenant, "Bottom", parent_id=middle["id"])
    response = await client.patch(f"{URL}/{top['id']}", json={"parent_id": bottom["id"]}, headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "team_cycle"
    unchanged = await client.get(f"{URL}/{top['id']}", headers=tenant.admin.headers)
    assert unchanged.json()["parent_id"] is None


async def test_moving_below_an_unknown_team_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.patch(
        f"{URL}/{team['id']}", json={"parent_id": str(UUID(int=5))}, headers=tenant.admin.headers
    )
    assert response.status_code == 422


@pytest.mark.parametrize("body", [{}, {"name": None}, {"name": "x" * 121}, {"owner": "me"}])
async def test_update_rejects_bad_bodies(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.patch(f"{URL}/{team['id']}", json=body, headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_update_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    url = f"{URL}/{team['id']}"
    await client.patch(url, json={"name": "One"}, headers=tenant.admin.headers)
    response = await client.patch(url, json={"name": "Two"}, headers=tenant.admin.headers | {"If-Match": '"1"'})
    assert response.status_code == 412


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_change_teams(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    team = await make_team(client, tenant, "Medics")
    headers = tenant.members[role].headers
    assert (await client.patch(f"{URL}/{team['id']}", json={"name": "X"}, headers=headers)).status_code == 403
    assert (await client.delete(f"{URL}/{team['id']}", headers=headers)).status_code == 403


async def test_delete_a_team(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    await add(client, tenant, team, tenant.responder)
    response = await client.delete(f"{URL}/{team['id']}", headers=tenant.admin.headers)
    assert response.status_code == 204
    assert (await client.get(f"{URL}/{team['id']}", headers=tenant.admin.headers)).status_code == 404


async def test_a_team_with_sub_teams_cannot_be_deleted(client: AsyncClient, tenant: Tenant) -> None:
    parent = await make_team(client, tenant, "North")
    await make_team(client, tenant, "North Medics", parent_id=parent["id"])
    response = await client.delete(f"{URL}/{parent['id']}", headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "team_not_empty"


async def test_a_team_working_an_open_alert_cannot_be_deleted(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    alert = await raise_sos(client, tenant.reporter)
    assigned = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments", json={"team_ids": [team["id"]]}, headers=tenant.admin.headers
    )
    assert assigned.status_code == 200
    response = await client.delete(f"{URL}/{team['id']}", headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["open_alerts"] == 1


async def test_a_team_whose_alerts_are_closed_can_be_deleted(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    alert = await raise_sos(client, tenant.reporter)
    await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments", json={"team_ids": [team["id"]]}, headers=tenant.admin.headers
    )
    await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.admin.headers)
    response = await client.delete(f"{URL}/{team['id']}", headers=tenant.admin.headers)
    assert response.status_code == 204


async def test_delete_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.delete(f"{URL}/{team['id']}", headers=tenant.admin.headers | {"If-Match": '"2"'})
    assert response.status_code == 412


async def test_team_changes_record_events(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    await add(client, tenant, team, tenant.responder)
    await client.delete(f"{URL}/{team['id']}", headers=tenant.admin.headers)
    async with container.engine.connect() as connection:
        kinds = (
            await connection.execute(
                select(OutboxEvent.event_type)
                .where(OutboxEvent.aggregate_id == UUID(team["id"]))
                .order_by(OutboxEvent.id)
            )
        ).scalars()
        assert list(kinds) == ["team.created", "team.member_added", "team.deleted"]


# --- members -----------------------------------------------------------------------------------------------------


async def test_adding_a_member_creates_then_updates_their_role(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    assert await add(client, tenant, team, tenant.responder) == 201
    response = await client.put(
        f"{URL}/{team['id']}/members/{tenant.responder.user_id}", json={"role": "lead"}, headers=tenant.admin.headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "lead"
    assert response.json()["email"] == tenant.responder.email


async def test_members_are_listed_leads_first(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    await add(client, tenant, team, tenant.responder)
    await add(client, tenant, team, tenant.coordinator, role="lead")
    response = await client.get(f"{URL}/{team['id']}/members", headers=tenant.responder.headers)
    assert [(item["user_id"], item["role"]) for item in response.json()] == [
        (str(tenant.coordinator.user_id), "lead"),
        (str(tenant.responder.user_id), "member"),
    ]


async def test_a_member_of_another_organization_cannot_join(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await make_team(client, tenant, "Medics")
    assert await add(client, tenant, team, other_tenant.responder) == 404


async def test_an_unknown_user_cannot_join(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    response = await client.put(f"{URL}/{team['id']}/members/{UUID(int=3)}", headers=tenant.admin.headers)
    assert response.status_code == 404
    assert response.json()["resource"] == "user"


async def test_a_deactivated_member_cannot_join(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    await client.post(f"/api/v1/users/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers)
    assert await add(client, tenant, team, tenant.responder) == 422


async def test_an_unknown_team_role_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    assert await add(client, tenant, team, tenant.responder, role="captain") == 422


async def test_remove_a_member(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    await add(client, tenant, team, tenant.responder)
    url = f"{URL}/{team['id']}/members/{tenant.responder.user_id}"
    assert (await client.delete(url, headers=tenant.coordinator.headers)).status_code == 204
    assert (await client.get(f"{URL}/{team['id']}/members", headers=tenant.admin.headers)).json() == []
    assert (await client.delete(url, headers=tenant.coordinator.headers)).status_code == 404


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_change_membership(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    team = await make_team(client, tenant, "Medics")
    url = f"{URL}/{team['id']}/members/{tenant.responder.user_id}"
    headers = tenant.members[role].headers
    assert (await client.put(url, json={"role": "lead"}, headers=headers)).status_code == 403
    assert (await client.delete(url, headers=headers)).status_code == 403


# --- concurrency -------------------------------------------------------------------------------------------------


async def test_crossing_moves_at_once_cannot_make_a_cycle(client: AsyncClient, tenant: Tenant) -> None:
    left = await make_team(client, tenant, "Left")
    right = await make_team(client, tenant, "Right")
    results = await asyncio.gather(
        client.patch(f"{URL}/{left['id']}", json={"parent_id": right["id"]}, headers=tenant.admin.headers),
        client.patch(f"{URL}/{right['id']}", json={"parent_id": left["id"]}, headers=tenant.coordinator.headers),
    )
    assert sorted(response.status_code for response in results) == [200, 409]


async def test_adding_the_same_member_twice_at_once_adds_them_once(client: AsyncClient, tenant: Tenant) -> None:
    team = await make_team(client, tenant, "Medics")
    url = f"{URL}/{team['id']}/members/{tenant.responder.user_id}"
    results = await asyncio.gather(
        client.put(url, json={"role": "member"}, headers=tenant.admin.headers),
        client.put(url, json={"role": "member"}, headers=tenant.coordinator.headers),
    )
    assert sorted(response.status_code for response in results) == [200, 201]
    assert len((await client.get(f"{URL}/{team['id']}/members", headers=tenant.admin.headers)).json()) == 1


async def test_deleting_a_team_while_it_is_assigned_never_drops_the_assignment(
    client: AsyncClient, tenant: Tenant
) -> None:
    for attempt in range(5):
        team = await make_team(client, tenant, f"Racing {attempt}")
        alert = await raise_sos(client, tenant.reporter)
        assigned, deleted = await asyncio.gather(
            client.post(
                f"/api/v1/alerts/{alert['id']}/assignments",
                json={"team_ids": [team["id"]]},
                headers=tenant.admin.headers,
            ),
            client.delete(f"{URL}/{team['id']}", headers=tenant.admin.headers),
        )
        assert (assigned.status_code, deleted.status_code) in {(200, 409), (422, 204)}
