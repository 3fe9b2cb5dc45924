"""Offers to a chosen responder (suggest mode), and the responder's side: accepting, declining, their list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.dispatch.models import DispatchOffer
from sos.responders.domain import Availability
from sos.users.domain import Role
from tests.dispatch.support import (
    ALERT_SPOT,
    alert_url,
    engagements,
    events,
    north_of,
    offer_to,
    offers_of,
    place,
    responder_at,
    sos_at,
)
from tests.factories import Member, Tenant, add_member, timeline_of


async def _accept(client: AsyncClient, alert_id: str, offer: dict[str, Any], member: Member) -> Any:
    return await client.post(alert_url(alert_id, f"/offers/{offer['id']}/accept"), headers=member.headers)


async def _decline(client: AsyncClient, alert_id: str, offer: dict[str, Any], member: Member, **body: Any) -> Any:
    return await client.post(alert_url(alert_id, f"/offers/{offer['id']}/decline"), json=body, headers=member.headers)


async def _alert(client: AsyncClient, tenant: Tenant, alert_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/alerts/{alert_id}", headers=tenant.coordinator.headers)
    body: dict[str, Any] = response.json()
    return body


async def test_an_offer_holds_the_responder_and_lands_on_the_timeline(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 420))
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    before = utcnow()
    offer = await offer_to(client, tenant, alert_id, tenant.responder, timeout_seconds=90)
    assert offer["status"] == "offered"
    assert offer["mode"] == "manual"
    assert offer["rank"] is None
    assert offer["distance_m"] == pytest.approx(420, abs=1)
    assert offer["reason"] == "chosen by a coordinator: 420 m away"
    assert offer["offered_by_id"] == str(tenant.coordinator.user_id)
    expires_at = datetime.fromisoformat(offer["expires_at"])
    assert before + timedelta(seconds=89) < expires_at < utcnow() + timedelta(seconds=91)
    assert await engagements(container) == {tenant.responder.user_id: UUID(alert_id)}
    made = [entry for entry in await timeline_of(container, alert_id) if entry.kind == "alert.offer_made"]
    assert made[0].data["reason"] == "chosen by a coordinator: 420 m away"
    assert made[0].data["responder_id"] == str(tenant.responder.user_id)
    assert made[0].actor_id == tenant.coordinator.user_id


async def test_a_responder_without_a_location_can_still_be_chosen(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    assert offer["distance_m"] is None
    assert offer["reason"] == "chosen by a coordinator: location unknown"


async def test_accepting_assigns_acknowledges_and_dispatches_in_one_go(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 420))
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    response = await _accept(client, alert_id, offer, tenant.responder)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
    alert = await _alert(client, tenant, alert_id)
    assert alert["status"] == "dispatched"
    assert alert["acknowledged_by_id"] == str(tenant.responder.user_id)
    assert alert["dispatched_by_id"] == str(tenant.responder.user_id)
    assignments = (
        await client.get(f"/api/v1/alerts/{alert_id}/assignments", headers=tenant.coordinator.headers)
    ).json()
    assert [a["responder_id"] for a in assignments] == [str(tenant.responder.user_id)]
    kinds = [entry.kind for entry in await timeline_of(container, alert_id, kind_prefix="alert.")]
    assert kinds == [
        "alert.triggered",
        "alert.offer_made",
        "alert.offer_accepted",
        "alert.assigned",
        "alert.acknowledged",
        "alert.dispatched",
    ]
    # Still held: the responder is working on this alert now.
    assert tenant.responder.user_id in await engagements(container)


async def test_accepting_an_acknowledged_alert_only_dispatches_it(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=tenant.coordinator.headers)
    await container.relay.drain()
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    assert (await _accept(client, alert_id, offer, tenant.responder)).status_code == 200
    alert = await _alert(client, tenant, alert_id)
    assert alert["status"] == "dispatched"
    assert alert["acknowledged_by_id"] == str(tenant.coordinator.user_id)
    assert len(await events(container, "alert.acknowledged")) == 1


async def test_declining_releases_the_responder(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    response = await _decline(client, alert_id, offer, tenant.responder, reason="Stuck in traffic")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "declined"
    assert response.json()["decline_reason"] == "Stuck in traffic"
    assert await engagements(container) == {}
    [declined] = await events(container, "alert.offer_declined")
    assert declined.payload["decline_reason"] == "Stuck in traffic"
    assert declined.actor_id == tenant.responder.user_id
    assert (await _alert(client, tenant, alert_id))["status"] == "triggered"


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_an_offer_already_answered_is_a_typed_409(
    client: AsyncClient, container: Container, tenant: Tenant, answer: str
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    assert (await _decline(client, alert_id, offer, tenant.responder)).status_code == 200
    again = await client.post(alert_url(alert_id, f"/offers/{offer['id']}/{answer}"), headers=tenant.responder.headers)
    assert again.status_code == 409
    problem = again.json()
    assert problem["code"] == "invalid_transition"
    assert problem["current_status"] == "declined"
    assert problem["action"] == answer


async def test_accepting_an_offer_past_its_time_is_a_typed_409(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder, timeout_seconds=10)
    # Not yet expired by the scheduler, but past its time: it cannot be accepted any more.
    async with container.engine.begin() as connection:
        await connection.execute(update(DispatchOffer).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await _accept(client, alert_id, offer, tenant.responder)
    assert response.status_code == 409
    assert response.json()["current_status"] == "expired"
    assert (await _alert(client, tenant, alert_id))["status"] == "triggered"


async def test_accepting_an_expired_offer_is_a_typed_409(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder, timeout_seconds=10)
    await container.relay.drain()
    await container.scheduler.tick(now=utcnow() + timedelta(seconds=11))
    [row] = await offers_of(container, alert_id)
    assert row.status == "expired"
    assert await engagements(container) == {}
    response = await _accept(client, alert_id, offer, tenant.responder)
    assert response.status_code == 409
    assert response.json()["current_status"] == "expired"
    [expired] = await events(container, "alert.offer_expired")
    assert expired.actor_id is None


async def test_only_the_offered_responder_may_answer(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    colleague = await add_member(container, tenant, Role.RESPONDER, label="colleague")
    assert (await _accept(client, alert_id, offer, colleague)).status_code == 404
    assert (await _decline(client, alert_id, offer, colleague)).status_code == 404
    assert (await _accept(client, alert_id, offer, tenant.coordinator)).status_code == 403


async def test_an_unknown_offer_is_404(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await _accept(client, alert_id, {"id": str(new_id())}, tenant.responder)
    assert response.status_code == 404


async def test_a_closed_alert_cannot_be_offered(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=tenant.coordinator.headers)
    response = await client.post(
        alert_url(alert_id, "/offers"),
        json={"responder_id": str(tenant.responder.user_id)},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "alert_closed"


@pytest.mark.parametrize("availability", [Availability.BUSY, Availability.OFF_DUTY])
async def test_an_unavailable_responder_cannot_be_offered(
    client: AsyncClient, container: Container, tenant: Tenant, availability: Availability
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100), availability=availability)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.post(
        alert_url(alert_id, "/offers"),
        json={"responder_id": str(tenant.responder.user_id)},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert response.json()["responder_state"] == availability.value


async def test_a_responder_engaged_elsewhere_cannot_be_offered(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    first = await sos_at(client, tenant, *ALERT_SPOT)
    second = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, first, tenant.responder)
    response = await client.post(
        alert_url(second, "/offers"),
        json={"responder_id": str(tenant.responder.user_id)},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
    assert response.json()["engaged_alert_id"] == first


async def test_a_second_offer_to_the_same_responder_is_409(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, alert_id, tenant.responder)
    response = await client.post(
        alert_url(alert_id, "/offers"),
        json={"responder_id": str(tenant.responder.user_id)},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"


@pytest.mark.parametrize(
    ("body", "status", "pointer"),
    [
        ({"responder_id": "RESPONDER", "timeout_seconds": 9}, 422, "#/timeout_seconds"),
        ({"responder_id": "RESPONDER", "timeout_seconds": 601}, 422, "#/timeout_seconds"),
        ({"responder_id": "not-a-uuid"}, 422, "#/responder_id"),
        ({}, 422, "#/responder_id"),
        ({"responder_id": "RESPONDER", "extra": 1}, 422, "#/extra"),
    ],
)
async def test_bad_offers_are_refused_naming_the_field(
    client: AsyncClient, container: Container, tenant: Tenant, body: dict[str, Any], status: int, pointer: str
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    sent = {key: str(tenant.responder.user_id) if value == "RESPONDER" else value for key, value in body.items()}
    response = await client.post(alert_url(alert_id, "/offers"), json=sent, headers=tenant.coordinator.headers)
    assert response.status_code == status, response.text
    assert pointer in [error["pointer"] for error in response.json()["errors"]]


@pytest.mark.parametrize("who", ["stranger", "reporter", "coordinator", "other-tenant"])
async def test_only_active_responders_of_the_organization_can_be_offered(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant, who: str
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    target = {
        "stranger": str(new_id()),
        "reporter": str(tenant.reporter.user_id),
        "coordinator": str(tenant.coordinator.user_id),
        "other-tenant": str(other_tenant.responder.user_id),
    }[who]
    response = await client.post(
        alert_url(alert_id, "/offers"), json={"responder_id": target}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 404
    assert response.json()["resource"] == "responder"


async def test_the_person_in_danger_cannot_be_offered_their_own_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    raised = await client.post(
        "/api/v1/alerts", json={"location": {"lat": 52.5, "lon": 13.4}}, headers=tenant.responder.headers
    )
    response = await client.post(
        alert_url(raised.json()["id"], "/offers"),
        json={"responder_id": str(tenant.responder.user_id)},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 422


async def test_my_offers_lists_pending_ones_with_the_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT, category="fire", severity="critical")
    declined = await sos_at(client, tenant, *ALERT_SPOT)
    answered = await offer_to(client, tenant, declined, tenant.responder)
    assert (await _decline(client, declined, answered, tenant.responder)).status_code == 200
    offer = await offer_to(client, tenant, alert_id, tenant.responder)
    response = await client.get("/api/v1/me/dispatch-offers", headers=tenant.responder.headers)
    assert response.status_code == 200
    [mine] = response.json()
    assert mine["id"] == offer["id"]
    assert mine["alert"] == {
        "id": alert_id,
        "status": "triggered",
        "severity": "critical",
        "category": "fire",
        "lat": ALERT_SPOT[0],
        "lon": ALERT_SPOT[1],
        "created_at": mine["alert"]["created_at"],
    }


async def test_a_responder_sees_only_the_offers_made_to_them(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    colleague = await responder_at(container, tenant, *north_of(ALERT_SPOT, 100), label="colleague")
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    mine = await offer_to(client, tenant, alert_id, tenant.responder)
    await offer_to(client, tenant, alert_id, colleague)
    as_responder = await client.get(alert_url(alert_id, "/offers"), headers=tenant.responder.headers)
    assert [offer["id"] for offer in as_responder.json()] == [mine["id"]]
    as_staff = await client.get(alert_url(alert_id, "/offers"), headers=tenant.coordinator.headers)
    assert len(as_staff.json()) == 2


async def test_a_responder_without_offers_on_an_alert_they_cannot_see_gets_404(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    response = await client.get(alert_url(alert_id, "/offers"), headers=tenant.responder.headers)
    assert response.status_code == 404
