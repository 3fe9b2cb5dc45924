"""Every route, for every role, in its own and in another organization.

In its own organization a role that may use the route succeeds; one that may not gets 403, or 404 where the object is
not visible to it. From another organization, objects are always 404 (never a 403 that confirms they exist), except on
routes whose role gate comes before any lookup; list routes succeed there but show nothing of this organization.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from sos.users.domain import Role
from tests.authz.cases import Case, WorldIds
from tests.authz.matrix import CASES, PUBLIC_ROUTES
from tests.factories import Tenant, raise_sos


async def _build_world(client: AsyncClient, tenant: Tenant, case: Case) -> tuple[WorldIds, dict[str, str]]:
    coordinator = tenant.coordinator.headers
    team = await client.post("/api/v1/teams", json={"name": "Matrix team"}, headers=coordinator)
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    member = await client.put(f"/api/v1/teams/{team_id}/members/{tenant.responder.user_id}", headers=coordinator)
    assert member.status_code == 201, member.text
    alert = await raise_sos(client, tenant.reporter)
    assigned = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)], "team_ids": [team_id]},
        headers=coordinator,
    )
    assert assigned.status_code == 200, assigned.text
    assignment_id = next(a["id"] for a in assigned.json() if a["team_id"] == team_id)
    for step in case.alert_steps:
        moved = await client.post(f"/api/v1/alerts/{alert['id']}/{step.value}", headers=coordinator)
        assert moved.status_code == 200, moved.text
    incident = await client.post(
        "/api/v1/incidents", json={"title": "Matrix incident", "alert_ids": []}, headers=coordinator
    )
    assert incident.status_code == 201, incident.text
    ids = WorldIds(
        alert_id=alert["id"],
        assignment_id=assignment_id,
        team_id=team_id,
        user_id=str(tenant.coordinator.user_id),
        responder_id=str(tenant.responder.user_id),
        incident_id=incident.json()["id"],
        organization_id=str(tenant.organization_id),
    )
    extra = await case.prepare(client, ids, tenant.admin.headers) if case.prepare else {}
    return ids, ids.__dict__ | extra


async def _call(
    client: AsyncClient, case: Case, world: tuple[WorldIds, dict[str, str]], headers: dict[str, str]
) -> Any:
    ids, path_ids = world
    path = case.path.format(**path_ids)
    json_body = case.body(ids) if case.body else None
    form = case.form(ids) if case.form else None
    return await client.request(case.method, path, json=json_body, data=form, headers=headers)


def _expected_own(case: Case, role: Role) -> int:
    if role in case.allowed:
        return case.ok
    return 404 if role in case.hidden_from else 403


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_role_in_its_own_organization(client: AsyncClient, tenant: Tenant, case: Case, role: Role) -> None:
    world = await _build_world(client, tenant, case)
    response = await _call(client, case, world, tenant.members[role].headers)
    assert response.status_code == _expected_own(case, role), response.text


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_role_from_another_organization(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, case: Case, role: Role
) -> None:
    world = await _build_world(client, tenant, case)
    ids, _ = world
    response = await _call(client, case, world, other_tenant.members[role].headers)
    if case.collection:
        # A create whose body names this organization's objects is refused as naming unknown ones: a 422, never a 201.
        names_foreign_objects = "body_names_own_objects" in case.tags and role in case.allowed
        expected = 422 if names_foreign_objects else _expected_own(case, role)
        assert response.status_code == expected, response.text
        for own_id in (ids.alert_id, ids.incident_id, ids.team_id, ids.organization_id, ids.responder_id):
            assert own_id not in response.text
    elif case.role_gate and role not in case.allowed:
        assert response.status_code == 403, response.text
    else:
        assert response.status_code == 404, response.text


def _shape(route: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", route)


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = {
        _shape(f"{method.upper()} {path}")
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    covered = {_shape(case.id) for case in CASES} | {_shape(route) for route in PUBLIC_ROUTES}
    assert routes - covered == set()
    assert covered - routes == set()
