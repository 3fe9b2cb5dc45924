"""Auto-dispatch: the nearest responder gets the offer; when nobody answers in time it goes to the next-nearest,
until someone accepts or nobody is left. Teams in auto mode start it when they are assigned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from tests.dispatch.support import (
    ALERT_SPOT,
    alert_url,
    assign_team,
    chains_of,
    engagements,
    events,
    north_of,
    offer_to,
    offered,
    offers_of,
    place,
    responder_at,
    set_dispatch,
    sos_at,
    start_auto,
    team_of,
)
from tests.factories import Member, Tenant, timeline_of


async def _three_medics(container: Container, tenant: Tenant) -> list[Member]:
    """Medics 420 m, 1 km and 2 km north of the alert spot, nearest first; the tenant's own responder is away."""
    await place(container, tenant.responder, None, None)
    return [
        await responder_at(
            container, tenant, *north_of(ALERT_SPOT, metres), label=f"medic-{metres}", skills=["first_aid"]
        )
        for metres in (420, 1_000, 2_000)
    ]


async def _tick(container: Container, seconds: float, *, since: dict[str, Any] | None = None) -> None:
    """Runs the scheduler as if ``seconds`` had passed (since the chain's first offer, when given: the test itself
    may take a while on a loaded machine), then delivers what it recorded. Events still on their way are delivered
    first: a consumer working on the alert right now would make the scheduler leave it for later."""
    start = datetime.fromisoformat(since["current_offer"]["offered_at"]) if since else utcnow()
    await container.relay.drain()
    await container.scheduler.tick(now=start + timedelta(seconds=seconds))
    await container.relay.drain()


async def test_a_team_in_suggest_mode_makes_no_offers(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    team_id = await team_of(container, tenant, *medics)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await assign_team(client, tenant, alert_id, team_id)
    await container.relay.drain()
    assert await offers_of(container, alert_id) == []


async def test_assigning_a_team_in_auto_mode_offers_its_nearest_member(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    outsider = await responder_at(container, tenant, *north_of(ALERT_SPOT, 100), label="outsider")
    team_id = await team_of(container, tenant, *medics)
    await set_dispatch(client, tenant, team_id, mode="auto", required_skills=["first_aid"], offer_timeout_seconds=45)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await assign_team(client, tenant, alert_id, team_id)
    await container.relay.drain()
    [offer] = await offers_of(container, alert_id)
    assert offer.responder_id == medics[0].user_id != outsider.user_id
    assert (offer.mode, offer.rank, offer.team_id, offer.skills) == ("auto", 1, team_id, ["first_aid"])
    assert offer.expires_at - offer.offered_at == timedelta(seconds=45)
    made = [entry for entry in await timeline_of(container, alert_id) if entry.kind == "alert.offer_made"]
    assert made[0].data["reason"] == "nearest available: 420 m, skill first_aid"
    [chain] = await chains_of(container, alert_id)
    assert chain.started_by_id == tenant.coordinator.user_id


async def test_the_first_offer_passes_over_a_responder_whose_position_is_stale(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    await place(container, medics[0], *north_of(ALERT_SPOT, 420), located_at=utcnow() - timedelta(hours=2))
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id, skills=["first_aid"])
    assert chain["current_offer"]["responder_id"] == str(medics[1].user_id)
    assert chain["current_offer"]["rank"] == 1


async def test_the_offer_moves_to_the_next_nearest_until_nobody_is_left(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id, skills=["first_aid"], timeout_seconds=30)
    assert chain["status"] == "active"
    assert chain["current_offer"]["responder_id"] == str(medics[0].user_id)
    await _tick(container, 29, since=chain)
    assert offered(await offers_of(container, alert_id)) == [medics[0].user_id]
    await _tick(container, 31, since=chain)
    await _tick(container, 62, since=chain)
    rows = await offers_of(container, alert_id)
    assert offered(rows) == [m.user_id for m in medics]
    assert [row.status for row in rows] == ["expired", "expired", "offered"]
    assert [row.rank for row in rows] == [1, 2, 3]
    assert await engagements(container) == {medics[2].user_id: UUID(alert_id)}
    await _tick(container, 93, since=chain)
    assert [row.status for row in await offers_of(container, alert_id)] == ["expired"] * 3
    assert await engagements(container) == {}
    [exhausted] = await events(container, "alert.dispatch_exhausted")
    assert exhausted.payload["offers_made"] == 3
    assert exhausted.payload["reason"] == "no further available responder with first_aid within 50 km after 3 offers"
    reasons = [
        (entry.kind, entry.data.get("reason"))
        for entry in await timeline_of(container, alert_id)
        if entry.kind.startswith("alert.offer_") or entry.kind == "alert.dispatch_exhausted"
    ]
    assert reasons == [
        ("alert.offer_made", "nearest available: 420 m, skill first_aid"),
        ("alert.offer_expired", "nearest available: 420 m, skill first_aid"),
        ("alert.offer_made", "next nearest available (#2): 1.0 km, skill first_aid"),
        ("alert.offer_expired", "next nearest available (#2): 1.0 km, skill first_aid"),
        ("alert.offer_made", "next nearest available (#3): 2.0 km, skill first_aid"),
        ("alert.offer_expired", "next nearest available (#3): 2.0 km, skill first_aid"),
        ("alert.dispatch_exhausted", exhausted.payload["reason"]),
    ]
    [ended] = await chains_of(container, alert_id)
    assert (ended.status, ended.offers_made, ended.current_offer_id) == ("exhausted", 3, None)


async def test_the_chain_stops_after_max_offers(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    medics = await _three_medics(container, tenant)
    team_id = await team_of(container, tenant, *medics)
    await set_dispatch(client, tenant, team_id, max_offers=2, offer_timeout_seconds=10)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id, team_id=str(team_id))
    await _tick(container, 11, since=chain)
    await _tick(container, 22, since=chain)
    assert offered(await offers_of(container, alert_id)) == [medics[0].user_id, medics[1].user_id]
    [exhausted] = await events(container, "alert.dispatch_exhausted")
    assert exhausted.payload["reason"] == "nobody accepted the 2 offers allowed"
    assert exhausted.payload["team_id"] == str(team_id)
    assert exhausted.payload["started_by_id"] == str(tenant.coordinator.user_id)


async def test_an_alert_nobody_can_take_is_exhausted_at_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, None, None)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id)
    assert chain["status"] == "exhausted"
    assert chain["current_offer"] is None
    [exhausted] = await events(container, "alert.dispatch_exhausted")
    assert exhausted.payload["reason"] == "no further available responder within 50 km"


async def test_declining_offers_the_next_nearest_at_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id)
    declined = await client.post(
        alert_url(alert_id, f"/offers/{chain['current_offer']['id']}/decline"), headers=medics[0].headers
    )
    assert declined.status_code == 200
    rows = await offers_of(container, alert_id)
    assert [(row.responder_id, row.status) for row in rows] == [
        (medics[0].user_id, "declined"),
        (medics[1].user_id, "offered"),
    ]


async def test_accepting_ends_the_chain(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id)
    accepted = await client.post(
        alert_url(alert_id, f"/offers/{chain['current_offer']['id']}/accept"), headers=medics[0].headers
    )
    assert accepted.status_code == 200
    await _tick(container, 600)
    assert offered(await offers_of(container, alert_id)) == [medics[0].user_id]
    [ended] = await chains_of(container, alert_id)
    assert (ended.status, ended.end_reason) == ("accepted", "accepted")
    assert await engagements(container) == {medics[0].user_id: UUID(alert_id)}


async def test_stopping_withdraws_the_pending_offer(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await start_auto(client, tenant, alert_id)
    response = await client.delete(alert_url(alert_id, "/auto"), headers=tenant.coordinator.headers)
    assert response.status_code == 204
    await _tick(container, 600)
    [row] = await offers_of(container, alert_id)
    assert (row.responder_id, row.status) == (medics[0].user_id, "withdrawn")
    [withdrawn] = await events(container, "alert.offer_withdrawn")
    assert withdrawn.payload["withdrawal_reason"] == "stopped"
    assert withdrawn.actor_id == tenant.coordinator.user_id
    assert await engagements(container) == {}
    [ended] = await chains_of(container, alert_id)
    assert ended.status == "stopped"


async def test_stopping_when_nothing_runs_is_harmless(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.delete(alert_url(alert_id, "/auto"), headers=tenant.coordinator.headers)
    assert response.status_code == 204


async def test_a_second_auto_dispatch_is_refused_while_one_runs(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await start_auto(client, tenant, alert_id)
    again = await client.post(alert_url(alert_id, "/auto"), json={}, headers=tenant.coordinator.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"


async def test_an_auto_dispatch_can_restart_after_it_stopped(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await start_auto(client, tenant, alert_id)
    await client.delete(alert_url(alert_id, "/auto"), headers=tenant.coordinator.headers)
    again = await start_auto(client, tenant, alert_id)
    # The responder already tried for this alert is not asked again.
    assert again["current_offer"]["responder_id"] == str(medics[1].user_id)


async def test_responders_held_elsewhere_are_passed_over(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    elsewhere = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, elsewhere, medics[0])
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id)
    assert chain["current_offer"]["responder_id"] == str(medics[1].user_id)


async def test_acknowledging_by_someone_else_withdraws_the_offer(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await start_auto(client, tenant, alert_id)
    await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=tenant.coordinator.headers)
    await container.relay.drain()
    [row] = await offers_of(container, alert_id)
    assert (row.responder_id, row.status) == (medics[0].user_id, "withdrawn")
    [withdrawn] = await events(container, "alert.offer_withdrawn")
    assert withdrawn.payload["withdrawal_reason"] == "acknowledged"
    [ended] = await chains_of(container, alert_id)
    assert (ended.status, ended.end_reason) == ("stopped", "acknowledged")
    assert await engagements(container) == {}


async def test_an_offer_made_after_the_acknowledgement_stays(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    """Acknowledge first, then dispatch: the late-delivered acknowledgement must not withdraw the newer offer."""
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=tenant.coordinator.headers)
    await start_auto(client, tenant, alert_id)
    await container.relay.drain()
    [row] = await offers_of(container, alert_id)
    assert (row.responder_id, row.status) == (medics[0].user_id, "offered")


@pytest.mark.parametrize("closing", ["cancel", "resolve"])
async def test_closing_the_alert_withdraws_offers_and_releases_everyone(
    client: AsyncClient, container: Container, tenant: Tenant, closing: str
) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    first = await offer_to(client, tenant, alert_id, medics[0])
    await offer_to(client, tenant, alert_id, medics[1])
    await client.post(alert_url(alert_id, f"/offers/{first['id']}/accept"), headers=medics[0].headers)
    await container.relay.drain()
    # Accepting acknowledged the alert: the other pending offer was withdrawn then.
    assert [row.status for row in await offers_of(container, alert_id)] == ["accepted", "withdrawn"]
    assert await engagements(container) == {medics[0].user_id: UUID(alert_id)}
    response = await client.post(f"/api/v1/alerts/{alert_id}/{closing}", headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    await container.relay.drain()
    assert await engagements(container) == {}


async def test_cancelling_withdraws_a_pending_offer(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await start_auto(client, tenant, alert_id)
    await client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=tenant.coordinator.headers)
    await container.relay.drain()
    [withdrawn] = await events(container, "alert.offer_withdrawn")
    assert withdrawn.payload["withdrawal_reason"] == "cancelled"
    [ended] = await chains_of(container, alert_id)
    assert (ended.status, ended.end_reason) == ("stopped", "cancelled")


async def test_unassigning_a_responder_releases_them(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    medics = await _three_medics(container, tenant)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, medics[0])
    await client.post(alert_url(alert_id, f"/offers/{offer['id']}/accept"), headers=medics[0].headers)
    assignments = (
        await client.get(f"/api/v1/alerts/{alert_id}/assignments", headers=tenant.coordinator.headers)
    ).json()
    await client.delete(
        f"/api/v1/alerts/{alert_id}/assignments/{assignments[0]['id']}", headers=tenant.coordinator.headers
    )
    await container.relay.drain()
    assert await engagements(container) == {}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"skills": ["Not A Skill"]}, "#/skills/0"),
        ({"skills": "first_aid"}, "#/skills"),
        ({"timeout_seconds": 5}, "#/timeout_seconds"),
        ({"timeout_seconds": 601}, "#/timeout_seconds"),
        ({"team_id": "nope"}, "#/team_id"),
        ({"mode": "auto"}, "#/mode"),
    ],
)
async def test_bad_auto_dispatch_input_is_422(
    client: AsyncClient, container: Container, tenant: Tenant, body: dict[str, object], pointer: str
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.post(alert_url(alert_id, "/auto"), json=body, headers=tenant.coordinator.headers)
    assert response.status_code == 422, response.text
    assert pointer in [error["pointer"] for error in response.json()["errors"]]


async def test_an_unknown_team_is_404(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.post(
        alert_url(alert_id, "/auto"), json={"team_id": str(new_id())}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 404
    assert response.json()["resource"] == "team"


async def test_a_closed_alert_cannot_be_auto_dispatched(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=tenant.coordinator.headers)
    response = await client.post(alert_url(alert_id, "/auto"), json={}, headers=tenant.coordinator.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "alert_closed"
