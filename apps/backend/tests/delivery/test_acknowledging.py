"""Acknowledging from outside the app: the email link, a push action, an SMS reply and a voice keypress all run the
console's acknowledge use case, as the notified user."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.notifications.domain import NotificationChannel
from sos.notifications.models import AckToken
from tests.delivery.setup import add_contact, add_provider, external_notifications, run_due, set_rule, smtp_settings
from tests.factories import Tenant, raise_sos, timeline_of
from tests.notifications.helpers import settle
from tests.providers.push_service import PushService
from tests.providers.smtp_server import LoopbackSmtpServer
from tests.providers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

PHONE = "+4915112345678"
_ACK_LINK = re.compile(r"https?://\S+/api/v1/ack/(?P<token>[0-9a-f]{32}\.[0-9]+\.[A-Za-z0-9_-]+)\?via=(?P<via>\w+)")


async def _assign_and_page(client: AsyncClient, container: Container, tenant: Tenant) -> str:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code in (200, 201), response.text
    await settle(container)
    return str(alert["id"])


async def _emailed_link(client: AsyncClient, container: Container, tenant: Tenant) -> tuple[str, str]:
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, "responder@sos.test")
        alert_id = await _assign_and_page(client, container, tenant)
        (mail,) = await smtp.wait_for(1)
    text = mail.get_body(("plain",))
    assert text is not None
    match = _ACK_LINK.search(text.get_content())
    assert match is not None
    return alert_id, match.group(0)


async def _status(client: AsyncClient, tenant: Tenant, alert_id: str) -> Any:
    response = await client.get(f"/api/v1/alerts/{alert_id}", headers=tenant.coordinator.headers)
    return response.json()["status"]


async def test_the_emailed_link_acknowledges_as_the_notified_responder(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id, link = await _emailed_link(client, container, tenant)
    response = await client.post(link)
    assert response.status_code == 200
    assert await _status(client, tenant, alert_id) == "acknowledged"
    await container.relay.drain()
    (entry,) = await timeline_of(container, alert_id, kind_prefix="alert.acknowledged")
    assert entry.actor_id == tenant.responder.user_id
    assert entry.data["note"] == "Acknowledged from the email link."


async def test_opening_the_link_only_shows_a_button(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id, link = await _emailed_link(client, container, tenant)
    page = await client.get(link)
    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert await _status(client, tenant, alert_id) == "triggered"


async def test_a_link_works_once(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    _, link = await _emailed_link(client, container, tenant)
    await client.post(link)
    again = await client.post(link, headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert again.json()["status"] == "used"


async def test_an_expired_link_acknowledges_nothing(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id, link = await _emailed_link(client, container, tenant)
    async with container.engine.begin() as connection:
        await connection.execute(update(AckToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    response = await client.post(link, headers={"Accept": "application/json"})
    assert response.status_code == 410
    assert await _status(client, tenant, alert_id) == "triggered"


async def test_a_forged_signature_is_refused_without_touching_the_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id, link = await _emailed_link(client, container, tenant)
    token = _ACK_LINK.search(link)
    assert token is not None
    forged = link.replace(token.group("token"), token.group("token")[:-3] + "AAA")
    response = await client.post(forged, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["status"] == "invalid"
    assert await _status(client, tenant, alert_id) == "triggered"


async def test_a_malformed_token_is_a_typed_422(client: AsyncClient) -> None:
    response = await client.post("/api/v1/ack/not-a-token")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_push_acknowledge_action_answers_json(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with PushService() as push:
        install = await container.delivery.install()
        assert install.vapid_public_key is not None
        subscriber = push.subscribe(install.vapid_public_key)
        await add_contact(
            container,
            tenant.responder,
            NotificationChannel.WEB_PUSH,
            subscriber.endpoint,
            keys={"p256dh": subscriber.p256dh, "auth": subscriber.auth},
        )
        alert_id = await _assign_and_page(client, container, tenant)
        (delivery,) = push.deliveries
    payload = delivery.payload
    assert payload["ack_url"].endswith("?via=push")
    response = await client.post(payload["ack_url"], headers={"Accept": "application/json"})
    assert response.json() == {"status": "acknowledged", "alert_id": alert_id, "message": response.json()["message"]}


def _twilio_settings(twilio: FakeTwilio) -> dict[str, str]:
    return {"account_sid": ACCOUNT_SID, "from_number": FROM_NUMBER, "api_base_url": twilio.base_url}


async def test_an_sms_reply_of_1_acknowledges_the_paged_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        provider = await add_provider(container, tenant, "twilio", _twilio_settings(twilio), {"auth_token": AUTH_TOKEN})
        sms_method = await add_contact(container, tenant.responder, NotificationChannel.SMS, PHONE)
        await set_rule(container, tenant.responder, [(sms_method, 0)])
        alert_id = await _assign_and_page(client, container, tenant)
        (sms,) = twilio.requests
        assert "Reply 1" in sms.form["Body"]
        url = f"{container.settings.external_url}/api/v1/webhooks/providers/{provider}/inbound"
        reply = await twilio.receive_sms(client, url, PHONE, "1")
    assert reply.status_code == 200
    assert "Acknowledged" in reply.text
    assert await _status(client, tenant, alert_id) == "acknowledged"


async def test_pressing_1_on_the_call_acknowledges_the_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        await add_provider(container, tenant, "twilio", _twilio_settings(twilio), {"auth_token": AUTH_TOKEN})
        voice = await add_contact(container, tenant.responder, NotificationChannel.VOICE, PHONE)
        await set_rule(container, tenant.responder, [(voice, 0)])
        alert_id = await _assign_and_page(client, container, tenant)
        (call,) = twilio.requests
        answer = await twilio.press(client, call.sid, "1")
    assert answer.status_code == 200
    assert await _status(client, tenant, alert_id) == "acknowledged"


async def test_a_delivery_receipt_marks_the_sms_delivered(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        await add_provider(container, tenant, "twilio", _twilio_settings(twilio), {"auth_token": AUTH_TOKEN})
        sms_method = await add_contact(container, tenant.responder, NotificationChannel.SMS, PHONE)
        await set_rule(container, tenant.responder, [(sms_method, 0)])
        alert_id = await _assign_and_page(client, container, tenant)
        (sms,) = twilio.requests
        receipt = await twilio.report_status(client, sms.sid, "delivered")
    assert receipt.status_code in (200, 204)
    (page,) = await external_notifications(container, tenant.responder)
    assert page.status == "delivered"
    await container.relay.drain()
    entries = await timeline_of(container, alert_id, kind_prefix="notification.delivered")
    (entry,) = [entry for entry in entries if entry.data["channel"] == "sms"]
    assert entry.data["address"] == "+491…78"


async def test_an_undelivered_receipt_brings_the_next_channel_forward(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        await add_provider(container, tenant, "twilio", _twilio_settings(twilio), {"auth_token": AUTH_TOKEN})
        sms = await add_contact(container, tenant.responder, NotificationChannel.SMS, PHONE)
        voice = await add_contact(container, tenant.responder, NotificationChannel.VOICE, PHONE)
        await set_rule(container, tenant.responder, [(sms, 0), (voice, 900)])
        await _assign_and_page(client, container, tenant)
        (message,) = twilio.requests
        await twilio.report_status(client, message.sid, "undelivered", ErrorCode="30003")
        await run_due(container)
        assert [request.resource for request in twilio.requests] == ["Messages", "Calls"]
