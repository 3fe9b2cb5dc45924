"""A stream carries exactly what the REST API would show its holder: same tenant, same role and assignment rules.

Each test opens the streams it compares, acts, then renames the organization (a fence everyone hears of after
everything before it), so what a stream did not receive by the fence, it never will.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from uuid import UUID

from httpx import AsyncClient

from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.events import aggregate_event
from sos.stream.consumer import StreamConsumer
from sos.users.domain import Role
from tests.factories import Member, Tenant, add_member, raise_sos, team_with
from tests.stream.support import Event, EventReader, fence, open_stream


@asynccontextmanager
async def streams(server: str, container: Container, *members: Member) -> AsyncIterator[list[EventReader]]:
    """Open, ready streams for ``members``, in order, once what happened before has reached the log."""
    await container.relay.drain()
    async with AsyncExitStack() as stack:
        readers = [await stack.enter_async_context(open_stream(server, member.token)) for member in members]
        for reader in readers:
            await reader.until("ready")
        yield readers


async def heard(client: AsyncClient, tenant: Tenant, readers: list[EventReader]) -> list[list[Event]]:
    """What each stream received up to a fence raised now."""
    marker = await fence(client, tenant)
    return [await reader.changes_until_fence(marker) for reader in readers]


def types(events: list[Event], alert_id: str | None = None) -> list[str]:
    return [event.type for event in events if alert_id is None or event.data["alert_id"] == alert_id]


async def assign(client: AsyncClient, tenant: Tenant, alert_id: str, **targets: list[str]) -> list[dict[str, Any]]:
    response = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments", json=targets, headers=tenant.coordinator.headers
    )
    assert response.status_code == 200, response.text
    assignments: list[dict[str, Any]] = response.json()
    return assignments


async def acknowledge(client: AsyncClient, tenant: Tenant, alert_id: str) -> None:
    response = await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text


async def test_staff_hear_of_every_alert_of_their_organization(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with streams(server, container, tenant.admin, tenant.coordinator) as readers:
        alert = await raise_sos(client, tenant.reporter)
        admin, coordinator = await heard(client, tenant, readers)
    assert types(admin, alert["id"]) == types(coordinator, alert["id"]) == ["alert.triggered"]


async def test_a_reporter_hears_of_their_own_alert_and_not_of_anothers(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    other_reporter = await add_member(container, tenant, Role.REPORTER, label="neighbour")
    async with streams(server, container, tenant.reporter, other_reporter) as readers:
        alert = await raise_sos(client, tenant.reporter)
        await acknowledge(client, tenant, alert["id"])
        own, other = await heard(client, tenant, readers)
    assert types(own, alert["id"]) == ["alert.triggered", "alert.acknowledged"]
    assert types(other) == []


async def test_a_responder_hears_of_an_alert_once_it_is_assigned_to_them(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    bystander = await add_member(container, tenant, Role.RESPONDER, label="bystander")
    async with streams(server, container, tenant.responder, bystander) as readers:
        alert = await raise_sos(client, tenant.reporter)
        # The audience is decided when the change is appended: settle the SOS before the assignment.
        await container.relay.drain()
        await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)])
        await acknowledge(client, tenant, alert["id"])
        assigned, unassigned = await heard(client, tenant, readers)
    assert types(assigned, alert["id"]) == ["alert.assigned", "alert.acknowledged"]
    assert types(unassigned) == []


async def test_members_of_an_assigned_team_hear_of_the_alert(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    member = await add_member(container, tenant, Role.RESPONDER, label="team-member")
    team_id = await team_with(container, tenant, member)
    async with streams(server, container, member) as readers:
        alert = await raise_sos(client, tenant.reporter)
        await container.relay.drain()
        await assign(client, tenant, alert["id"], team_ids=[str(team_id)])
        await acknowledge(client, tenant, alert["id"])
        (received,) = await heard(client, tenant, readers)
    assert types(received, alert["id"]) == ["alert.assigned", "alert.acknowledged"]


async def test_a_reporter_in_an_assigned_team_hears_nothing_of_the_alert(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    reporter = await add_member(container, tenant, Role.REPORTER, label="team-reporter")
    team_id = await team_with(container, tenant, reporter)
    async with streams(server, container, reporter) as readers:
        alert = await raise_sos(client, tenant.reporter)
        await container.relay.drain()
        await assign(client, tenant, alert["id"], team_ids=[str(team_id)])
        await acknowledge(client, tenant, alert["id"])
        (received,) = await heard(client, tenant, readers)
    hidden = await client.get(f"/api/v1/alerts/{alert['id']}", headers=reporter.headers)
    assert hidden.status_code == 404
    assert types(received, alert["id"]) == []


async def test_a_responder_taken_off_an_alert_hears_of_it_and_then_nothing_more(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    assignment = (await assign(client, tenant, alert["id"], responder_ids=[str(tenant.responder.user_id)]))[0]
    async with streams(server, container, tenant.responder) as readers:
        removed = await client.delete(
            f"/api/v1/alerts/{alert['id']}/assignments/{assignment['id']}", headers=tenant.coordinator.headers
        )
        assert removed.status_code == 204, removed.text
        await acknowledge(client, tenant, alert["id"])
        (received,) = await heard(client, tenant, readers)
    assert types(received, alert["id"]) == ["alert.unassigned"]


async def test_a_responder_added_to_an_assigned_team_hears_of_the_alert_from_then_on(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    lead = await add_member(container, tenant, Role.RESPONDER, label="lead")
    team_id = await team_with(container, tenant, lead)
    alert = await raise_sos(client, tenant.reporter)
    await assign(client, tenant, alert["id"], team_ids=[str(team_id)])
    async with streams(server, container, tenant.responder) as readers:
        joined = await client.put(
            f"/api/v1/teams/{team_id}/members/{tenant.responder.user_id}", headers=tenant.coordinator.headers
        )
        assert joined.status_code == 201, joined.text
        await acknowledge(client, tenant, alert["id"])
        (received,) = await heard(client, tenant, readers)
    assert "team.member_added" in types(received)
    assert types(received, alert["id"]) == ["alert.acknowledged"]


async def test_the_responder_an_offer_names_hears_of_it(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    bystander = await add_member(container, tenant, Role.RESPONDER, label="bystander")
    alert = await raise_sos(client, tenant.reporter)
    offer = aggregate_event(
        "alert",
        "offer_made",
        aggregate_id=UUID(alert["id"]),
        organization_id=tenant.organization_id,
        actor_id=None,
        offer_id="5f0c8f0e-0000-7000-8000-000000000001",
        responder_id=str(tenant.responder.user_id),
        rank=1,
        distance_m=420.0,
        eta_seconds=None,
        skills=["first_aid"],
        team_id=None,
        reason="nearest available: 420 m, skill first_aid",
    )
    async with streams(server, container, tenant.responder, bystander) as readers:
        # Straight to the consumer: the event has no contract of its own in this test's outbox.
        await consume_once(container.uow_factory, StreamConsumer(container.stream.log), [offer])
        offered, other = await heard(client, tenant, readers)
    (made,) = [event for event in offered if event.type == "alert.offer_made"]
    assert made.data["data"]["reason"] == "nearest available: 420 m, skill first_aid"
    assert set(made.data["topics"]) == {"alert", "assignments", "timeline"}
    assert types(other) == []


async def test_incidents_reach_staff_and_responders_but_not_reporters(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with streams(server, container, tenant.coordinator, tenant.responder, tenant.reporter) as readers:
        opened = await client.post(
            "/api/v1/incidents", json={"title": "Flood", "alert_ids": []}, headers=tenant.coordinator.headers
        )
        assert opened.status_code == 201, opened.text
        coordinator, responder, reporter = await heard(client, tenant, readers)
    assert types(coordinator) == types(responder) == ["incident.opened"]
    assert types(reporter) == []


async def test_a_message_reaches_who_sees_the_alert_without_its_body(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    bystander = await add_member(container, tenant, Role.REPORTER, label="bystander")
    alert = await raise_sos(client, tenant.reporter)
    async with streams(server, container, tenant.reporter, bystander) as readers:
        posted = await client.post(
            f"/api/v1/alerts/{alert['id']}/messages",
            json={"body": "stay where you are"},
            headers=tenant.coordinator.headers,
        )
        assert posted.status_code == 201, posted.text
        reporter, other = await heard(client, tenant, readers)
    (message,) = reporter
    assert message.data["data"] == {"message_id": posted.json()["id"], "author_id": str(tenant.coordinator.user_id)}
    assert "stay where you are" not in str(message.data)
    assert types(other) == []


async def test_contact_method_changes_reach_only_their_owner(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with streams(server, container, tenant.coordinator, tenant.admin) as readers:
        added = await client.post(
            "/api/v1/me/contact-methods",
            json={"channel": "email", "label": "Work", "address": "coordinator@example.com"},
            headers=tenant.coordinator.headers,
        )
        assert added.status_code == 201, added.text
        owner, admin = await heard(client, tenant, readers)
    assert "contact_method.added" in types(owner)
    assert not [kind for kind in types(admin) if kind.startswith("contact_method.")]
    assert "coordinator@example.com" not in str([event.data for event in owner])


async def test_changes_of_another_organization_never_reach_a_stream(
    server: str, client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    async with streams(server, container, other_tenant.admin, other_tenant.coordinator) as readers:
        await raise_sos(client, tenant.reporter)
        await fence(client, tenant)
        admin, coordinator = await heard(client, other_tenant, readers)
    assert admin == coordinator == []
