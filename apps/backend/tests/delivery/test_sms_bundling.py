"""A burst of alerts reaches a phone as one SMS: the first goes at once, the rest of the window go out together."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.notifications.domain import NotificationChannel
from sos.notifications.models import Notification
from tests.delivery.setup import add_contact, add_provider, external_notifications, make_due, run_due, set_rule
from tests.factories import Tenant, raise_sos
from tests.notifications.helpers import settle
from tests.providers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

PHONE = "+4915112345678"


async def _sms_responder(container: Container, tenant: Tenant, twilio: FakeTwilio) -> str:
    settings = {"account_sid": ACCOUNT_SID, "from_number": FROM_NUMBER, "api_base_url": twilio.base_url}
    provider = await add_provider(container, tenant, "twilio", settings, {"auth_token": AUTH_TOKEN})
    method = await add_contact(container, tenant.responder, NotificationChannel.SMS, PHONE)
    await set_rule(container, tenant.responder, [(method, 0)])
    return f"{container.settings.external_url}/api/v1/webhooks/providers/{provider}/inbound"


async def _page(client: AsyncClient, container: Container, tenant: Tenant) -> str:
    """An alert assigned to the responder, which pages them."""
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 200, response.text
    await settle(container)
    return str(alert["id"])


async def _release_waiting(container: Container, tenant: Tenant) -> None:
    """Moves the clock past the bundle window: the last SMS went out a window ago, and the waiting pages are due."""
    window = timedelta(seconds=container.settings.sms_bundle_window_seconds)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Notification)
            .where(Notification.user_id == tenant.responder.user_id, Notification.sent_at.is_not(None))
            .values(sent_at=utcnow() - window)
        )
    for page in await external_notifications(container, tenant.responder):
        if page.status == "pending":
            await make_due(container, page.id)
    await run_due(container)


async def test_alerts_within_the_window_wait_instead_of_sending_one_sms_each(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        await _sms_responder(container, tenant, twilio)
        for _ in range(3):
            await _page(client, container, tenant)
        assert len(twilio.requests) == 1
        statuses = sorted(page.status for page in await external_notifications(container, tenant.responder))
        assert statuses == ["pending", "pending", "sent"]


async def test_the_waiting_alerts_go_out_together_in_one_sms(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        await _sms_responder(container, tenant, twilio)
        for _ in range(3):
            await _page(client, container, tenant)
        await _release_waiting(container, tenant)
        _first, bundle = twilio.requests
    assert "2 SOS alerts" in bundle.form["Body"]
    assert bundle.form["Body"].count("(ACK ") == 2
    pages = await external_notifications(container, tenant.responder)
    assert sorted(page.status for page in pages) == ["sent", "sent", "sent"]
    assert len({page.bundle_id for page in pages if page.bundle_id is not None}) == 1


async def test_replying_1_to_a_bundle_acknowledges_every_alert_in_it(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        inbound = await _sms_responder(container, tenant, twilio)
        await _page(client, container, tenant)
        later = [await _page(client, container, tenant) for _ in range(2)]
        await _release_waiting(container, tenant)
        reply = await twilio.receive_sms(client, inbound, PHONE, "1")
    assert "Acknowledged all 2 alerts" in reply.text
    for alert_id in later:
        response = await client.get(f"/api/v1/alerts/{alert_id}", headers=tenant.coordinator.headers)
        assert response.json()["status"] == "acknowledged"
