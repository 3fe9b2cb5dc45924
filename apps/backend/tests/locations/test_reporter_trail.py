"""The person who raised an SOS adds to its trail while it is open, and not once it is closed."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from sos.alerts.domain import AlertAction
from sos.core.container import Container
from tests.factories import Tenant, raise_sos
from tests.locations.helpers import fix, post_alert_batch, stored_alert_lats

OPEN = {
    "triggered": (),
    "acknowledged": (AlertAction.ACKNOWLEDGE,),
    "dispatched": (AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH),
    "on_scene": (AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH, AlertAction.ARRIVE),
}
CLOSED = {
    "resolved": (AlertAction.ACKNOWLEDGE, AlertAction.RESOLVE),
    "cancelled": (AlertAction.CANCEL,),
}


async def alert_in(client: AsyncClient, tenant: Tenant, steps: tuple[AlertAction, ...]) -> str:
    alert = await raise_sos(client, tenant.reporter)
    for step in steps:
        moved = await client.post(f"/api/v1/alerts/{alert['id']}/{step.value}", headers=tenant.coordinator.headers)
        assert moved.status_code == 200, moved.text
    alert_id: str = alert["id"]
    return alert_id


@pytest.mark.parametrize("status", list(OPEN))
async def test_the_reporter_adds_fixes_while_the_alert_is_open(
    client: AsyncClient, tenant: Tenant, status: str
) -> None:
    alert_id = await alert_in(client, tenant, OPEN[status])
    single = await client.post(
        f"/api/v1/alerts/{alert_id}/locations", json={"lat": 1.0, "lon": 1.0}, headers=tenant.reporter.headers
    )
    batch = await post_alert_batch(client, tenant.reporter, alert_id, [fix(2.0)])
    assert (single.status_code, batch.status_code) == (201, 201)


@pytest.mark.parametrize("status", list(CLOSED))
async def test_the_reporter_cannot_add_fixes_once_the_alert_is_closed(
    client: AsyncClient, container: Container, tenant: Tenant, status: str
) -> None:
    alert_id = await alert_in(client, tenant, CLOSED[status])
    single = await client.post(
        f"/api/v1/alerts/{alert_id}/locations", json={"lat": 1.0, "lon": 1.0}, headers=tenant.reporter.headers
    )
    batch = await post_alert_batch(client, tenant.reporter, alert_id, [fix(2.0)])
    assert (single.status_code, batch.status_code) == (409, 409)
    assert single.json()["code"] == batch.json()["code"] == "alert_closed"
    assert await stored_alert_lats(container, alert_id) == [52.52]


async def test_a_reporter_cannot_add_to_someone_elses_alert(client: AsyncClient, tenant: Tenant) -> None:
    someone_elses = await raise_sos(client, tenant.admin)
    response = await post_alert_batch(client, tenant.reporter, someone_elses["id"], [fix(2.0)])
    assert response.status_code == 404


async def test_an_assigned_responder_cannot_add_to_the_trail(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    response = await post_alert_batch(client, tenant.responder, alert["id"], [fix(2.0)])
    assert response.status_code == 403
