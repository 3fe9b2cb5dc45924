"""One responder is never held for two open alerts at once, however many dispatches run side by side."""

from __future__ import annotations

import asyncio
from collections import Counter
from uuid import UUID

from httpx import AsyncClient

from sos.core.container import Container
from tests.dispatch.support import ALERT_SPOT, alert_url, engagements, north_of, offers_of, place, responder_at, sos_at
from tests.factories import Tenant

ALERTS = 20
RESPONDERS = 10


async def test_concurrent_auto_dispatches_never_engage_a_responder_twice(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, None, None)
    responders = [
        await responder_at(container, tenant, *north_of(ALERT_SPOT, 150 * (n + 1)), label=f"r{n}")
        for n in range(RESPONDERS)
    ]
    alert_ids = [await sos_at(client, tenant, *north_of(ALERT_SPOT, 10 * n)) for n in range(ALERTS)]

    answers = await asyncio.gather(
        *(
            client.post(alert_url(alert_id, "/auto"), json={}, headers=tenant.coordinator.headers)
            for alert_id in alert_ids
        )
    )

    assert [answer.status_code for answer in answers] == [201] * ALERTS, [
        a.text for a in answers if a.status_code != 201
    ]
    chains = [answer.json() for answer in answers]
    pending = [chain["current_offer"]["responder_id"] for chain in chains if chain["current_offer"]]
    # Every responder got exactly one offer, and the alerts that found nobody left say so.
    assert sorted(pending) == sorted(str(member.user_id) for member in responders)
    assert Counter(chain["status"] for chain in chains) == {"active": RESPONDERS, "exhausted": ALERTS - RESPONDERS}
    offers = [offer for alert_id in alert_ids for offer in await offers_of(container, alert_id)]
    assert len(offers) == RESPONDERS
    held = await engagements(container)
    assert held == {offer.responder_id: offer.alert_id for offer in offers}


async def test_concurrent_manual_offers_of_one_responder_engage_them_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 300))
    alert_ids = [await sos_at(client, tenant, *ALERT_SPOT) for _ in range(6)]

    answers = await asyncio.gather(
        *(
            client.post(
                alert_url(alert_id, "/offers"),
                json={"responder_id": str(tenant.responder.user_id)},
                headers=tenant.coordinator.headers,
            )
            for alert_id in alert_ids
        )
    )

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: 5}
    assert {answer.json()["code"] for answer in answers if answer.status_code == 409} == {"in_use"}
    [winner] = [answer.json() for answer in answers if answer.status_code == 201]
    assert await engagements(container) == {tenant.responder.user_id: UUID(winner["alert_id"])}


async def _candidate_ids(client: AsyncClient, tenant: Tenant, alert_id: str) -> list[str]:
    response = await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    return [item["responder"]["user_id"] for item in response.json()["items"]]


async def test_a_responder_assigned_by_hand_to_another_open_alert_is_not_a_candidate(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100))
    first = await sos_at(client, tenant, *ALERT_SPOT)
    assigned = await client.post(
        f"/api/v1/alerts/{first}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert assigned.status_code == 200, assigned.text
    second = await sos_at(client, tenant, *ALERT_SPOT)
    assert await _candidate_ids(client, tenant, second) == []
    assert await _candidate_ids(client, tenant, first) == [str(tenant.responder.user_id)]


async def test_a_responder_is_a_candidate_again_once_their_alert_is_closed(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100))
    first = await sos_at(client, tenant, *ALERT_SPOT)
    await client.post(
        f"/api/v1/alerts/{first}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    cancelled = await client.post(f"/api/v1/alerts/{first}/cancel", headers=tenant.coordinator.headers)
    assert cancelled.status_code == 200, cancelled.text
    second = await sos_at(client, tenant, *ALERT_SPOT)
    assert await _candidate_ids(client, tenant, second) == [str(tenant.responder.user_id)]
