"""The ``nearest_responders`` target: a tier that pages and assigns the N available responders nearest to the SOS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.core.db import utcnow
from sos.dispatch.models import ResponderEngagement
from sos.escalation.scheduler import EscalationDueWork
from tests.dispatch.support import ALERT_SPOT, north_of, offer_to, place, responder_at, sos_at, team_of
from tests.escalation.support import URL, create_policy, escalation_of, events, policy_body, tier, user
from tests.factories import Member, Tenant, timeline_of


def nearest(count: int, **fields: Any) -> dict[str, Any]:
    return {"kind": "nearest_responders", "count": count} | fields


async def _medics(container: Container, tenant: Tenant) -> list[Member]:
    """Responders 300 m, 800 m and 1.5 km north of the SOS; the tenant's own responder has no location."""
    await place(container, tenant.responder, None, None)
    return [
        await responder_at(container, tenant, *north_of(ALERT_SPOT, metres), label=f"m{metres}", skills=skills)
        for metres, skills in ((300, ["first_aid"]), (800, ["first_aid", "cpr"]), (1_500, ["cpr"]))
    ]


async def _escalated_sos(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork, *targets: dict[str, Any]
) -> str:
    await create_policy(client, tenant, policy_body(tier(*targets), is_default=True))
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await container.relay.drain()
    assert await due_work.run_due(utcnow(), 10) == 1
    await container.relay.drain()
    return alert_id


async def _held(container: Container) -> dict[UUID, UUID]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(ResponderEngagement.responder_id, ResponderEngagement.alert_id))
        return {row.responder_id: row.alert_id for row in rows}


async def test_a_policy_with_a_nearest_target_reads_back_as_written(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    team_id = await team_of(container, tenant, tenant.responder)
    target = nearest(3, team_id=str(team_id), skills=["First_Aid", "cpr"], radius_km=25.0)
    policy = await create_policy(client, tenant, policy_body(tier(target, user(tenant.coordinator))))
    expected = {"kind": "nearest_responders", "count": 3, "team_id": str(team_id), "skills": ["first_aid", "cpr"]}
    assert policy["tiers"][0]["targets"] == [expected | {"radius_km": 25.0}, user(tenant.coordinator)]
    fetched = await client.get(f"{URL}/{policy['id']}", headers=tenant.admin.headers)
    assert fetched.json() == policy


async def test_a_nearest_target_defaults_to_any_team_and_no_skills(client: AsyncClient, tenant: Tenant) -> None:
    policy = await create_policy(client, tenant, policy_body(tier(nearest(2))))
    assert policy["tiers"][0]["targets"] == [
        {"kind": "nearest_responders", "count": 2, "team_id": None, "skills": [], "radius_km": None}
    ]


async def test_a_nearest_target_naming_an_unknown_team_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    body = policy_body(tier(nearest(2, team_id="01890000-0000-7000-8000-000000000000")))
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/tiers/0/targets/0/team_id"


async def test_a_team_a_nearest_target_names_cannot_be_deleted(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    team_id = await team_of(container, tenant)
    await create_policy(client, tenant, policy_body(tier(nearest(1, team_id=str(team_id)))))
    response = await client.delete(f"/api/v1/teams/{team_id}", headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"


async def test_the_step_pages_and_assigns_the_nearest_with_reasons(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    medics = await _medics(container, tenant)
    alert_id = await _escalated_sos(client, container, tenant, due_work, nearest(2))
    [step] = await events(container, "alert.escalated")
    two = [str(medics[0].user_id), str(medics[1].user_id)]
    assert step.payload["user_ids"] == two
    assert step.payload["responder_ids"] == two
    [target] = step.payload["targets"]
    assert (target["kind"], target["count"], target["team_id"], target["skills"]) == (
        "nearest_responders",
        2,
        None,
        [],
    )
    assert [(pick["responder_id"], pick["rank"], pick["reason"]) for pick in step.payload["nearest"]] == [
        (two[0], 1, "nearest available: 300 m"),
        (two[1], 2, "next nearest available (#2): 800 m"),
    ]
    assigned = await client.get(f"/api/v1/alerts/{alert_id}/assignments", headers=tenant.admin.headers)
    assert sorted(a["responder_id"] for a in assigned.json()) == sorted(two)
    assert await _held(container) == {medics[0].user_id: UUID(alert_id), medics[1].user_id: UUID(alert_id)}
    escalated = [entry for entry in await timeline_of(container, alert_id) if entry.kind == "alert.escalated"]
    assert escalated[0].data["nearest"][0]["reason"] == "nearest available: 300 m"


async def test_the_nearest_target_passes_over_a_responder_whose_position_is_stale(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    medics = await _medics(container, tenant)
    await place(container, medics[0], *north_of(ALERT_SPOT, 300), located_at=utcnow() - timedelta(hours=2))
    await _escalated_sos(client, container, tenant, due_work, nearest(1))
    [step] = await events(container, "alert.escalated")
    assert step.payload["user_ids"] == [str(medics[1].user_id)]


async def test_the_nearest_target_filters_by_skill_and_team(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    medics = await _medics(container, tenant)
    team_id = await team_of(container, tenant, medics[1], medics[2])
    await _escalated_sos(client, container, tenant, due_work, nearest(5, skills=["cpr"], team_id=str(team_id)))
    [step] = await events(container, "alert.escalated")
    assert step.payload["user_ids"] == [str(medics[1].user_id), str(medics[2].user_id)]
    assert step.payload["nearest"][0]["reason"] == "nearest available: 800 m, skill cpr"


async def test_responders_held_for_another_alert_are_passed_over(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    medics = await _medics(container, tenant)
    elsewhere = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, elsewhere, medics[0])
    await container.relay.drain()
    await _escalated_sos(client, container, tenant, due_work, nearest(1))
    [step] = await events(container, "alert.escalated")
    assert step.payload["user_ids"] == [str(medics[1].user_id)]


async def test_a_nearest_tier_that_finds_nobody_still_counts(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await place(container, tenant.responder, None, None)
    alert_id = await _escalated_sos(client, container, tenant, due_work, nearest(3, radius_km=1))
    [step] = await events(container, "alert.escalated")
    assert (step.payload["user_ids"], step.payload["nearest"]) == ([], [])
    assert (await escalation_of(container, alert_id)).status == "exhausted"


@pytest.mark.parametrize("acknowledger", [0, None])
async def test_acknowledging_releases_everyone_but_the_acknowledger(
    client: AsyncClient,
    container: Container,
    tenant: Tenant,
    due_work: EscalationDueWork,
    acknowledger: int | None,
) -> None:
    medics = await _medics(container, tenant)
    alert_id = await _escalated_sos(client, container, tenant, due_work, nearest(2))
    who = medics[acknowledger] if acknowledger is not None else tenant.coordinator
    response = await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=who.headers)
    assert response.status_code == 200, response.text
    await container.relay.drain()
    expected = {medics[0].user_id: UUID(alert_id)} if acknowledger is not None else {}
    assert await _held(container) == expected


async def test_resolving_releases_everyone(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    medics = await _medics(container, tenant)
    alert_id = await _escalated_sos(client, container, tenant, due_work, nearest(2))
    await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=medics[0].headers)
    await client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=medics[0].headers)
    await container.relay.drain()
    assert await _held(container) == {}
