"""An SOS escalating on its own: tiers, repeats, exhaustion; acknowledging stops it, reassigning restarts it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import select, update

from sos.alerts.domain import AlertStatus
from sos.alerts.models import Alert
from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.event_contracts import validate_payload
from sos.core.events import DomainEvent, OutboxEvent, event_from_row
from sos.core.ids import new_id
from sos.escalation.consumer import EscalationConsumer
from sos.escalation.scheduler import EscalationDueWork
from sos.users.domain import Role
from tests.escalation.support import create_policy, escalation_of, events, policy_body, schedule, team, tier, user
from tests.factories import Tenant, add_member, raise_sos, team_with, timeline_of

ESCALATION_EVENTS = (
    "alert.escalation_started",
    "alert.escalation_stopped",
    "alert.escalated",
    "alert.escalation_exhausted",
)


async def _default_policy(client: AsyncClient, tenant: Tenant, *tiers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return await create_policy(client, tenant, policy_body(*tiers, is_default=True, **fields))


async def _sos(client: AsyncClient, container: Container, tenant: Tenant) -> str:
    alert = await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    alert_id: str = alert["id"]
    return alert_id


async def _steps(container: Container) -> list[tuple[int, int, list[str], list[str]]]:
    return [
        (e.payload["tier"], e.payload["cycle"], e.payload["user_ids"], e.payload["responder_ids"])
        for e in await events(container, "alert.escalated")
    ]


async def test_a_new_sos_starts_the_default_policy_due_now(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    policy = await _default_policy(client, tenant, tier(user(tenant.responder)))
    before = utcnow()
    alert_id = await _sos(client, container, tenant)
    escalation = await escalation_of(container, alert_id)
    assert escalation.status == "active"
    assert str(escalation.policy_id) == policy["id"]
    assert (escalation.tier_index, escalation.cycle) == (0, 0)
    assert before <= escalation.next_due_at <= utcnow()
    kinds = [entry.kind for entry in await timeline_of(container, alert_id) if entry.kind.startswith("alert.")]
    assert kinds == ["alert.triggered", "alert.escalation_started"]


async def test_without_a_default_policy_nothing_escalates(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await create_policy(client, tenant, policy_body(tier(user(tenant.responder))))
    alert_id = await _sos(client, container, tenant)
    assert await escalation_of(container, alert_id) is None


async def test_the_policy_runs_tier_by_tier_repeats_and_is_exhausted(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await _default_policy(
        client, tenant, tier(user(tenant.responder), delay=5), tier(user(tenant.coordinator), delay=10), repeat_count=1
    )
    alert_id = await _sos(client, container, tenant)
    start = utcnow()
    responder, coordinator = str(tenant.responder.user_id), str(tenant.coordinator.user_id)

    assert await due_work.run_due(start, 100) == 1
    assert await due_work.run_due(start + timedelta(minutes=4, seconds=59), 100) == 0
    assert await due_work.run_due(start + timedelta(minutes=5), 100) == 1
    assert await due_work.run_due(start + timedelta(minutes=15), 100) == 1
    assert await due_work.run_due(start + timedelta(minutes=20), 100) == 1
    assert await due_work.run_due(start + timedelta(days=1), 100) == 0

    assert await _steps(container) == [
        (0, 0, [responder], [responder]),
        (1, 0, [coordinator], []),
        (0, 1, [responder], [responder]),
        (1, 1, [coordinator], []),
    ]
    escalation = await escalation_of(container, alert_id)
    assert (escalation.status, escalation.next_due_at, escalation.stop_reason) == ("exhausted", None, "exhausted")
    (exhausted,) = await events(container, "alert.escalation_exhausted")
    assert exhausted.payload["cycles"] == 2
    kinds = [entry.kind for entry in await timeline_of(container, alert_id)]
    assert kinds.count("alert.escalated") == 4
    assert "alert.escalation_exhausted" in kinds


async def test_a_step_assigns_the_responders_once_and_says_it_was_the_escalation(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder), delay=1), repeat_count=2)
    alert_id = await _sos(client, container, tenant)
    start = utcnow()
    for minutes in range(3):
        await due_work.run_due(start + timedelta(minutes=minutes), 100)
    await container.relay.drain()
    assignments = await client.get(f"/api/v1/alerts/{alert_id}/assignments", headers=tenant.admin.headers)
    assert [a["responder_id"] for a in assignments.json()] == [str(tenant.responder.user_id)]
    (assigned,) = await events(container, "alert.assigned")
    escalation = await escalation_of(container, alert_id)
    assert assigned.payload == {
        "alert_id": alert_id,
        "responder_ids": [str(tenant.responder.user_id)],
        "team_ids": [],
        "escalation_id": str(escalation.id),
    }
    # The escalation's own assignment did not restart it.
    assert escalation.status == "exhausted"


async def test_teams_and_schedules_expand_to_active_people_but_never_the_reporter(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    medic = await add_member(container, tenant, Role.RESPONDER, label="medic")
    leaver = await add_member(container, tenant, Role.RESPONDER, label="leaver")
    on_call = await add_member(container, tenant, Role.RESPONDER, label="oncall")
    team_id = await team_with(container, tenant, medic)
    for member in (leaver, tenant.coordinator):
        added = await client.put(f"/api/v1/teams/{team_id}/members/{member.user_id}", headers=tenant.admin.headers)
        assert added.status_code == 201, added.text
    created = await client.post(
        "/api/v1/schedules",
        json={
            "name": "Always",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "All day",
                    "rotation": "daily",
                    "members": [str(on_call.user_id)],
                    "starts_at": "2020-01-01T00:00",
                }
            ],
        },
        headers=tenant.admin.headers,
    )
    assert created.status_code == 201, created.text
    await _default_policy(client, tenant, tier(team(team_id), schedule(created.json()["id"]), user(medic)))
    assert (
        await client.post(f"/api/v1/users/{leaver.user_id}/deactivate", headers=tenant.admin.headers)
    ).status_code == 200
    alert = await raise_sos(client, medic)
    await container.relay.drain()
    assert await due_work.run_due(utcnow(), 100) == 1
    ((_, _, user_ids, responder_ids),) = await _steps(container)
    assert user_ids == [str(tenant.coordinator.user_id), str(on_call.user_id)]
    assert responder_ids == [str(on_call.user_id)]
    assert (await escalation_of(container, alert["id"])).tier_index == 0


async def test_acknowledging_stops_the_escalation(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)), tier(user(tenant.coordinator)))
    alert_id = await _sos(client, container, tenant)
    await due_work.run_due(utcnow(), 100)
    acked = await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=tenant.responder.headers)
    assert acked.status_code == 200, acked.text
    await container.relay.drain()
    escalation = await escalation_of(container, alert_id)
    assert (escalation.status, escalation.stop_reason, escalation.next_due_at) == ("acknowledged", "acknowledged", None)
    assert await due_work.run_due(utcnow() + timedelta(days=1), 100) == 0
    (stopped,) = await events(container, "alert.escalation_stopped")
    assert stopped.payload["reason"] == "acknowledged"
    assert "alert.escalation_stopped" in [entry.kind for entry in await timeline_of(container, alert_id)]


async def test_cancelling_stops_the_escalation(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)))
    alert_id = await _sos(client, container, tenant)
    assert (await client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=tenant.reporter.headers)).status_code == 200
    await container.relay.drain()
    escalation = await escalation_of(container, alert_id)
    assert (escalation.status, escalation.stop_reason) == ("stopped", "cancelled")


async def test_a_step_finding_the_alert_taken_on_stops_instead_of_notifying(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)))
    alert_id = await _sos(client, container, tenant)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Alert).where(Alert.id == UUID(alert_id)).values(status=AlertStatus.ACKNOWLEDGED)
        )
    assert await due_work.run_due(utcnow(), 100) == 1
    assert await events(container, "alert.escalated") == []
    assert (await escalation_of(container, alert_id)).status == "acknowledged"


async def test_reassigning_to_a_team_restarts_with_the_team_policy(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.coordinator)), tier(user(tenant.coordinator)))
    team_id = await team_with(container, tenant, tenant.responder)
    team_policy = await create_policy(
        client, tenant, policy_body(tier(team(team_id)), name="Team policy", team_id=str(team_id))
    )
    alert_id = await _sos(client, container, tenant)
    start = utcnow()
    await due_work.run_due(start, 100)
    await due_work.run_due(start + timedelta(minutes=5), 100)
    assigned = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments", json={"team_ids": [str(team_id)]}, headers=tenant.admin.headers
    )
    assert assigned.status_code == 200, assigned.text
    await container.relay.drain()
    escalation = await escalation_of(container, alert_id)
    assert (str(escalation.policy_id), escalation.tier_index, escalation.cycle, escalation.status) == (
        team_policy["id"],
        0,
        0,
        "active",
    )
    reasons = [e.payload["reason"] for e in await events(container, "alert.escalation_started")]
    assert reasons == ["triggered", "reassigned"]


async def test_reassigning_without_a_team_policy_restarts_the_current_policy(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    policy = await _default_policy(client, tenant, tier(user(tenant.coordinator)), tier(user(tenant.coordinator)))
    alert_id = await _sos(client, container, tenant)
    await due_work.run_due(utcnow(), 100)
    assert (await escalation_of(container, alert_id)).tier_index == 1
    assigned = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.admin.headers,
    )
    assert assigned.status_code == 200, assigned.text
    await container.relay.drain()
    escalation = await escalation_of(container, alert_id)
    assert (str(escalation.policy_id), escalation.tier_index) == (policy["id"], 0)


async def test_reopening_restarts_with_the_default_policy(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)))
    alert_id = await _sos(client, container, tenant)
    for action in ("acknowledge", "resolve", "reopen"):
        moved = await client.post(f"/api/v1/alerts/{alert_id}/{action}", headers=tenant.admin.headers)
        assert moved.status_code == 200, moved.text
    await container.relay.drain()
    escalation = await escalation_of(container, alert_id)
    assert (escalation.status, escalation.tier_index, escalation.stopped_at) == ("active", 0, None)
    reasons = [e.payload["reason"] for e in await events(container, "alert.escalation_started")]
    assert reasons == ["triggered", "reopened"]


async def _replay(container: Container, event_type: str, *, fresh_id: bool) -> None:
    """Delivers an already-delivered event again: the very same message, or a copy under a new id."""
    (row,) = [e for e in await _outbox(container) if e.type == event_type]
    copy = DomainEvent(
        type=row.type,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        organization_id=row.organization_id,
        payload=row.payload,
        actor_id=row.actor_id,
        occurred_at=row.occurred_at,
        id=new_id() if fresh_id else row.id,
    )
    await consume_once(container.uow_factory, EscalationConsumer(), [copy])


async def _outbox(container: Container) -> list[DomainEvent]:
    async with container.engine.connect() as connection:
        return [event_from_row(row) for row in await connection.execute(select(OutboxEvent).order_by(OutboxEvent.id))]


async def test_a_redelivered_event_has_no_second_effect(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)), tier(user(tenant.coordinator)))
    alert_id = await _sos(client, container, tenant)
    await due_work.run_due(utcnow(), 100)
    for fresh_id in (False, True, True):
        await _replay(container, "alert.triggered", fresh_id=fresh_id)
    await container.relay.drain()
    assert len(await events(container, "alert.escalation_started")) == 1
    assert (await escalation_of(container, alert_id)).tier_index == 1


async def test_a_late_assignment_does_not_restart_a_later_reopening(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)))
    alert_id = await _sos(client, container, tenant)
    assigned = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.admin.headers,
    )
    assert assigned.status_code == 200
    for action in ("acknowledge", "resolve", "reopen"):
        assert (
            await client.post(f"/api/v1/alerts/{alert_id}/{action}", headers=tenant.admin.headers)
        ).status_code == 200
    await container.relay.drain()
    started = len(await events(container, "alert.escalation_started"))
    await _replay(container, "alert.assigned", fresh_id=True)
    await _replay(container, "alert.acknowledged", fresh_id=True)
    await container.relay.drain()
    assert len(await events(container, "alert.escalation_started")) == started
    assert (await escalation_of(container, alert_id)).status == "active"


async def test_deleting_the_policy_stops_its_escalations(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    policy = await _default_policy(client, tenant, tier(user(tenant.responder)))
    alert_id = await _sos(client, container, tenant)
    deleted = await client.delete(f"/api/v1/escalation-policies/{policy['id']}", headers=tenant.admin.headers)
    assert deleted.status_code == 204
    escalation = await escalation_of(container, alert_id)
    assert (escalation.status, escalation.stop_reason, escalation.policy_id) == ("stopped", "policy_deleted", None)
    assert await due_work.run_due(utcnow(), 100) == 0


async def test_escalation_events_keep_their_contracts(
    client: AsyncClient, container: Container, tenant: Tenant, due_work: EscalationDueWork
) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    policy = await _default_policy(client, tenant, tier(user(tenant.responder)), tier(team(team_id)), repeat_count=0)
    alert_id = await _sos(client, container, tenant)
    start = utcnow()
    await due_work.run_due(start, 100)
    await due_work.run_due(start + timedelta(minutes=5), 100)
    second = await _sos(client, container, tenant)
    assert (await client.post(f"/api/v1/alerts/{second}/acknowledge", headers=tenant.admin.headers)).status_code == 200
    await client.put(
        f"/api/v1/escalation-policies/{policy['id']}",
        json=policy_body(tier(team(team_id))),
        headers=tenant.admin.headers,
    )
    await client.delete(f"/api/v1/escalation-policies/{policy['id']}", headers=tenant.admin.headers)
    await container.relay.drain()
    types = (
        *ESCALATION_EVENTS,
        "alert.assigned",
        "escalation_policy.created",
        "escalation_policy.updated",
        "escalation_policy.deleted",
    )
    emitted = await events(container, *types)
    assert {e.event_type for e in emitted} == set(types)
    for event in emitted:
        validate_payload(event.event_type, event.schema_version, event.payload)
    assert alert_id != second


async def test_the_scheduler_loop_runs_due_escalation_steps(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _default_policy(client, tenant, tier(user(tenant.responder)), tier(user(tenant.coordinator)))
    await _sos(client, container, tenant)
    start = utcnow()
    assert (await container.scheduler.tick(now=start))["escalation"] == 1
    assert (await container.scheduler.tick(now=start))["escalation"] == 0
    assert (await container.scheduler.tick(now=start + timedelta(minutes=5)))["escalation"] == 1
