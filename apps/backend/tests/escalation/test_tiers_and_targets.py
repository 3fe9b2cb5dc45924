"""Tiers keep their order when targets go missing; reporters are never paged; a team a policy pages stays."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import delete, select, update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.escalation.models import AlertEscalation, EscalationTarget, EscalationTier
from sos.escalation.scheduler import EscalationDueWork
from sos.teams.models import Team
from sos.users.domain import Role
from tests.escalation.support import create_policy, escalation_of, events, policy_body, team, tier, user
from tests.factories import Tenant, add_member, raise_sos, team_with


async def _sos(client: AsyncClient, container: Container, tenant: Tenant) -> str:
    alert = await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    alert_id: str = alert["id"]
    return alert_id


async def _steps(container: Container) -> list[tuple[int, list[str]]]:
    return [(e.payload["tier"], e.payload["user_ids"]) for e in await events(container, "alert.escalated")]


async def _tier_ids(container: Container, policy_id: str) -> list[UUID]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(EscalationTier.id)
            .where(EscalationTier.policy_id == UUID(policy_id))
            .order_by(EscalationTier.position)
        )
        return list(rows.scalars())


async def test_a_missing_first_tier_leaves_no_gap_in_the_steps(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    policy = await create_policy(
        client,
        tenant,
        policy_body(
            tier(user(tenant.admin), delay=1),
            tier(user(tenant.responder), delay=1),
            tier(user(tenant.coordinator), delay=1),
            is_default=True,
        ),
    )
    first, *_ = await _tier_ids(container, policy["id"])
    async with container.engine.begin() as connection:
        await connection.execute(delete(EscalationTier).where(EscalationTier.id == first))
    alert_id = await _sos(client, container, tenant)
    start = utcnow()
    for minutes in range(4):
        await due_work.run_due(start + timedelta(minutes=minutes), 100)
    assert await _steps(container) == [
        (0, [str(tenant.responder.user_id)]),
        (1, [str(tenant.coordinator.user_id)]),
    ]
    assert (await escalation_of(container, alert_id)).status == "exhausted"


async def test_a_tier_without_targets_still_counts_and_pages_nobody(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    policy = await create_policy(
        client,
        tenant,
        policy_body(tier(user(tenant.admin), delay=1), tier(user(tenant.responder), delay=1), is_default=True),
    )
    first, _ = await _tier_ids(container, policy["id"])
    async with container.engine.begin() as connection:
        await connection.execute(delete(EscalationTarget).where(EscalationTarget.tier_id == first))
    await _sos(client, container, tenant)
    start = utcnow()
    for minutes in range(3):
        await due_work.run_due(start + timedelta(minutes=minutes), 100)
    assert await _steps(container) == [(0, []), (1, [str(tenant.responder.user_id)])]
    fetched = (await client.get(f"/api/v1/escalation-policies/{policy['id']}", headers=tenant.admin.headers)).json()
    assert [len(t["targets"]) for t in fetched["tiers"]] == [0, 1]


async def test_reporters_in_a_paged_team_are_not_notified(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    bystander = await add_member(container, tenant, Role.REPORTER, label="bystander")
    team_id = await team_with(container, tenant, bystander)
    added = await client.put(
        f"/api/v1/teams/{team_id}/members/{tenant.responder.user_id}", headers=tenant.admin.headers
    )
    assert added.status_code == 201, added.text
    await create_policy(client, tenant, policy_body(tier(team(team_id)), is_default=True))
    await _sos(client, container, tenant)
    assert await due_work.run_due(utcnow(), 100) == 1
    assert await _steps(container) == [(0, [str(tenant.responder.user_id)])]


async def test_deleting_a_team_a_policy_pages_is_refused(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    await create_policy(client, tenant, policy_body(tier(team(team_id)), name="Night shift"))
    response = await client.delete(f"/api/v1/teams/{team_id}", headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert "escalation policy 'Night shift'" in response.json()["detail"]
    async with container.engine.connect() as connection:
        assert (await connection.execute(select(Team.id).where(Team.id == team_id))).first() is not None
        targets = await connection.execute(select(EscalationTarget.id).where(EscalationTarget.team_id == team_id))
        assert len(targets.all()) == 1


async def test_a_team_off_every_policy_can_be_deleted(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    policy = await create_policy(client, tenant, policy_body(tier(team(team_id))))
    await client.delete(f"/api/v1/escalation-policies/{policy['id']}", headers=tenant.admin.headers)
    response = await client.delete(f"/api/v1/teams/{team_id}", headers=tenant.admin.headers)
    assert response.status_code == 204, response.text


async def test_a_failed_step_is_not_postponed_over_a_newer_claim(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await create_policy(client, tenant, policy_body(tier(user(tenant.responder)), is_default=True))
    alert_id = await _sos(client, container, tenant)
    escalation = await escalation_of(container, alert_id)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(AlertEscalation).where(AlertEscalation.id == escalation.id).values(version=escalation.version + 1)
        )
    await due_work._postpone(escalation.id, escalation.version, utcnow() + timedelta(hours=1))
    assert (await escalation_of(container, alert_id)).next_due_at == escalation.next_due_at
