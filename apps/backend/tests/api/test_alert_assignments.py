from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from sos.core.container import Container
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership
from tests.factories import Tenant, add_member, raise_sos, team_with, timeline_of


async def assign(client: AsyncClient, tenant: Tenant, alert_id: str, **body: Any) -> Any:
    return await client.post(f"/api/v1/alerts/{alert_id}/assignments", json=body, headers=tenant.coordinator.headers)


async def test_coordinator_assigns_a_responder(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])
    assert response.status_code == 200
    [assignment] = response.json()
    assert assignment["responder_id"] == str(tenant.responder.user_id)
    assert assignment["team_id"] is None
    assert assignment["alert_id"] == alert["id"]
    assert assignment["assigned_by_id"] == str(tenant.coordinator.user_id)


async def test_responders_and_teams_are_assigned_together(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    alert = await raise_sos(client, tenant.reporter)
    response = await assign(
        client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)], team_ids=[str(team_id)]
    )
    assert {(a["responder_id"], a["team_id"]) for a in response.json()} == {
        (str(tenant.responder.user_id), None),
        (None, str(team_id)),
    }


async def test_assigning_again_keeps_one_assignment(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    body = {"responder_ids": [str(tenant.responder.user_id)] * 2}
    first = await assign(client, tenant, alert["id"], **body)
    second = await assign(client, tenant, alert["id"], **body)
    assert len(first.json()) == 1
    assert second.json() == first.json()


async def test_assignment_lands_on_the_timeline(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])
    kind, data, _actor = (await timeline_of(container, alert["id"], kind_prefix="alert."))[-1]
    assert kind == "alert.assigned"
    assert data["responder_ids"] == [str(tenant.responder.user_id)]
    assert data["team_ids"] == []


async def test_repeated_assignment_records_no_second_event(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    for _ in range(2):
        await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])
    kinds = [kind for kind, _data, _actor in await timeline_of(container, alert["id"], kind_prefix="alert.")]
    assert kinds == ["alert.triggered", "alert.assigned"]


async def test_coordinator_may_assign_another_coordinator(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await assign(client, tenant, alert["id"], responder_ids=[str(tenant.admin.user_id)])
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["reporter", "stranger", "deactivated"])
async def test_only_active_field_members_can_be_assigned(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, container: Container, who: str
) -> None:
    if who == "reporter":
        target = tenant.reporter.user_id
    elif who == "stranger":
        target = other_tenant.responder.user_id
    else:
        member = await add_member(container, tenant, Role.RESPONDER, label="gone")
        async with container.engine.begin() as connection:
            await connection.execute(
                update(Membership)
                .where(Membership.user_id == member.user_id)
                .values(status=MembershipStatus.DEACTIVATED)
            )
        target = member.user_id
    alert = await raise_sos(client, tenant.reporter)
    response = await assign(client, tenant, alert["id"], responder_ids=[str(target)])
    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"
    assert response.json()["errors"] == [{"pointer": "#/responder_ids", "missing": [str(target)]}]


async def test_unknown_team_cannot_be_assigned(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    missing = str(uuid4())
    response = await assign(client, tenant, alert["id"], team_ids=[missing])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "#/team_ids", "missing": [missing]}]


async def test_other_tenants_team_cannot_be_assigned(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, container: Container
) -> None:
    foreign_team = await team_with(container, other_tenant, other_tenant.responder)
    alert = await raise_sos(client, tenant.reporter)
    response = await assign(client, tenant, alert["id"], team_ids=[str(foreign_team)])
    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"


async def test_empty_assignment_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await assign(client, tenant, alert["id"])
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_closed_alert_cannot_be_assigned(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.coordinator.headers)
    response = await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])
    assert response.status_code == 409
    assert response.json()["code"] == "alert_closed"


@pytest.mark.parametrize("role", ["responder", "reporter"])
async def test_non_staff_may_not_assign(client: AsyncClient, tenant: Tenant, role: str) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=getattr(tenant, role).headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_other_tenants_alert_cannot_be_assigned(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    alert = await raise_sos(client, other_tenant.reporter)
    response = await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])
    assert response.status_code == 404


async def test_reporter_lists_who_is_assigned_to_their_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    assigned = (await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])).json()
    response = await client.get(f"/api/v1/alerts/{alert['id']}/assignments", headers=tenant.reporter.headers)
    assert response.status_code == 200
    assert response.json() == assigned


async def test_unassigning_removes_the_assignment_and_visibility(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    [assignment] = (await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])).json()
    response = await client.delete(
        f"/api/v1/alerts/{alert['id']}/assignments/{assignment['id']}", headers=tenant.coordinator.headers
    )
    assert response.status_code == 204
    listing = await client.get(f"/api/v1/alerts/{alert['id']}/assignments", headers=tenant.coordinator.headers)
    assert listing.json() == []
    hidden = await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.responder.headers)
    assert hidden.status_code == 404
    kind, data, _actor = (await timeline_of(container, alert["id"], kind_prefix="alert."))[-1]
    assert (kind, data["responder_id"], data["team_id"]) == ("alert.unassigned", str(tenant.responder.user_id), None)


async def test_unassigning_an_unknown_assignment_is_not_found(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.delete(
        f"/api/v1/alerts/{alert['id']}/assignments/{uuid4()}", headers=tenant.coordinator.headers
    )
    assert response.status_code == 404
    assert response.json()["resource"] == "assignment"


async def test_assignment_of_another_alert_cannot_be_removed_through_this_one(
    client: AsyncClient, tenant: Tenant
) -> None:
    first, second = await raise_sos(client, tenant.reporter), await raise_sos(client, tenant.reporter)
    [assignment] = (await assign(client, tenant, first["id"], responder_ids=[str(tenant.responder.user_id)])).json()
    response = await client.delete(
        f"/api/v1/alerts/{second['id']}/assignments/{assignment['id']}", headers=tenant.coordinator.headers
    )
    assert response.status_code == 404
    listing = await client.get(f"/api/v1/alerts/{first['id']}/assignments", headers=tenant.coordinator.headers)
    assert len(listing.json()) == 1


async def test_responder_may_not_unassign(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    [assignment] = (await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])).json()
    response = await client.delete(
        f"/api/v1/alerts/{alert['id']}/assignments/{assignment['id']}", headers=tenant.responder.headers
    )
    assert response.status_code == 403
