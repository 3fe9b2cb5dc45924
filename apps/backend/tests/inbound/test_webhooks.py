"""Provider webhooks: Twilio's status callbacks, inbound SMS and call keypresses, and an SMS gateway's, signed."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import insert, select, update

from sos.contacts.domain import address_key
from sos.contacts.models import ContactMethod
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.inbound.schemas import MAX_WEBHOOK_BYTES
from sos.inbound.service import NOTHING_CHANGED
from sos.notifications import ack
from sos.notifications.domain import AttemptStatus, NotificationChannel, NotificationPurpose, NotificationStatus
from sos.notifications.models import Notification, NotificationAttempt
from sos.providers.channels.base import AdapterConfig, InstallContext, OutboundMessage, Recipient
from sos.providers.channels.http_sms import gateway_signature
from sos.providers.channels.twilio import TwilioAdapter, TwilioSecrets, TwilioSettings
from sos.providers.models import NotificationProvider
from sos.providers.secrets import secret_box
from tests.factories import Member, Tenant, raise_sos
from tests.providers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, parse_twiml, twilio_sign

PHONE = "+14155552671"
GATEWAY_SECRET = "whsec-0123456789abcdef"
WEBHOOKS = "/api/v1/webhooks/providers"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as server:
        yield server


async def add_provider(
    container: Container,
    tenant: Tenant,
    kind: str,
    settings: dict[str, Any],
    secrets: dict[str, Any],
    *,
    enabled: bool = True,
) -> UUID:
    provider_id = new_id()
    now = utcnow()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(NotificationProvider).values(
                id=provider_id,
                organization_id=tenant.organization_id,
                kind=kind,
                name=f"{kind} {provider_id.hex[:6]}",
                priority=100,
                enabled=enabled,
                settings=settings,
                secrets=secret_box(container.settings).seal(secrets),
                rate_limit_per_second=None,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    return provider_id


async def add_twilio(container: Container, tenant: Tenant, twilio: FakeTwilio, *, enabled: bool = True) -> UUID:
    settings = {"account_sid": ACCOUNT_SID, "from_number": FROM_NUMBER, "api_base_url": twilio.base_url}
    return await add_provider(container, tenant, "twilio", settings, {"auth_token": AUTH_TOKEN}, enabled=enabled)


async def add_gateway(container: Container, tenant: Tenant) -> UUID:
    settings = {"url": "https://sms.example.net/send", "sender": "SOS"}
    secrets = {"api_key": "gw-key-5f0c9a7e1d", "webhook_secret": GATEWAY_SECRET}
    return await add_provider(container, tenant, "http_sms", settings, secrets)


async def add_phone(container: Container, tenant: Tenant, member: Member, number: str = PHONE) -> UUID:
    """A verified SMS contact method of ``member``."""
    method_id = new_id()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(ContactMethod).values(
                id=method_id,
                organization_id=tenant.organization_id,
                user_id=member.user_id,
                channel=NotificationChannel.SMS,
                label="Mobile",
                address=number,
                address_key=address_key(number),
                created_at=utcnow(),
                verified_at=utcnow(),
                verification_tries=0,
            )
        )
    return method_id


def hooks(container: Container, provider_id: UUID) -> str:
    """What the pipeline hands the provider: the install's external URL, not the one this test client uses."""
    return f"{container.settings.external_url}{WEBHOOKS}/{provider_id}"


async def place(
    container: Container,
    twilio: FakeTwilio,
    provider_id: UUID,
    channel: NotificationChannel,
    *,
    token: str | None = None,
) -> str:
    """Sends a page through the Twilio adapter to the fake Twilio, which keeps its callback URLs; returns the sid."""
    base = hooks(container, provider_id)
    message = OutboundMessage(
        id=uuid4(),
        organization_id=uuid4(),
        recipient=Recipient(channel, PHONE),
        purpose=NotificationPurpose.PAGE,
        title="Medical emergency",
        body="Gate 4",
        ack_code="K7Q2",
        status_callback_url=f"{base}/status",
        voice_gather_url=f"{base}/voice?token={token}" if token else None,
    )
    settings = TwilioSettings(account_sid=ACCOUNT_SID, from_number=FROM_NUMBER, api_base_url=twilio.base_url)
    async with httpx.AsyncClient(timeout=2.0) as http:
        config = AdapterConfig(
            provider_id,
            "Twilio",
            settings,
            TwilioSecrets(auth_token=AUTH_TOKEN),
            http,
            InstallContext(public_url=container.settings.external_url),
        )
        result = await TwilioAdapter(config).send(message)
    assert result.provider_message_id is not None
    return result.provider_message_id


async def sent_page(
    container: Container,
    tenant: Tenant,
    member: Member,
    provider_id: UUID,
    sid: str,
    *,
    alert_id: str,
    contact_method_id: UUID | None = None,
    kind: str = "twilio",
) -> UUID:
    """An SMS page the provider accepted as ``sid``: the notification is sent, its attempt succeeded."""
    notification_id, now = new_id(), utcnow()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(Notification).values(
                id=notification_id,
                organization_id=tenant.organization_id,
                user_id=member.user_id,
                alert_id=UUID(alert_id),
                kind="alert.escalated",
                purpose=NotificationPurpose.PAGE,
                channel=NotificationChannel.SMS,
                contact_method_id=contact_method_id,
                title="Medical emergency",
                body="Gate 4",
                status=NotificationStatus.SENT,
                dedup_key=f"test:{notification_id}",
                attempts=1,
                enqueued_at=None,
                sent_at=now,
            )
        )
        await connection.execute(
            insert(NotificationAttempt).values(
                id=new_id(),
                notification_id=notification_id,
                channel=NotificationChannel.SMS,
                provider_id=provider_id,
                provider_kind=kind,
                provider_message_id=sid,
                status=AttemptStatus.SUCCEEDED,
                started_at=now,
                finished_at=now,
            )
        )
    return notification_id


async def issue_ack(
    container: Container, tenant: Tenant, member: Member, alert_id: str, notification_id: UUID | None
) -> ack.IssuedAck:
    async with container.engine.begin() as connection:
        return await ack.issue(
            connection,
            secret_box(container.settings),
            organization_id=tenant.organization_id,
            user_id=member.user_id,
            alert_id=UUID(alert_id),
            notification_id=notification_id,
        )


async def notification(container: Container, notification_id: UUID) -> Any:
    async with container.engine.connect() as connection:
        return (await connection.execute(select(Notification).where(Notification.id == notification_id))).one()


async def attempt_of(container: Container, notification_id: UUID) -> Any:
    async with container.engine.connect() as connection:
        query = select(NotificationAttempt).where(NotificationAttempt.notification_id == notification_id)
        return (await connection.execute(query)).one()


async def alert_status(client: AsyncClient, tenant: Tenant, alert_id: str) -> str:
    response = await client.get(f"/api/v1/alerts/{alert_id}", headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


def assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "forbidden"


async def _page(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> tuple[UUID, str, UUID]:
    """A Twilio provider, and an SMS page it accepted: (provider id, sid, notification id)."""
    provider_id = await add_twilio(container, tenant, twilio)
    alert = await raise_sos(client, tenant.reporter)
    sid = await place(container, twilio, provider_id, NotificationChannel.SMS)
    notification_id = await sent_page(container, tenant, tenant.coordinator, provider_id, sid, alert_id=alert["id"])
    return provider_id, sid, notification_id


# Twilio status callbacks


async def test_a_delivered_callback_marks_the_sms_delivered(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    _, sid, notification_id = await _page(client, container, tenant, twilio)
    response = await twilio.report_status(client, sid, "delivered")
    assert response.status_code == 204, response.text
    assert (await notification(container, notification_id)).status == NotificationStatus.DELIVERED
    attempt = await attempt_of(container, notification_id)
    assert attempt.status == AttemptStatus.DELIVERED
    assert attempt.receipt["MessageStatus"] == "delivered"
    assert PHONE not in attempt.receipt.values()


async def test_an_undelivered_callback_fails_the_sms_with_twilios_error_code(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    _, sid, notification_id = await _page(client, container, tenant, twilio)
    response = await twilio.report_status(client, sid, "undelivered", ErrorCode="30003")
    assert response.status_code == 204, response.text
    assert (await notification(container, notification_id)).status == NotificationStatus.FAILED
    assert (await attempt_of(container, notification_id)).error_code == "30003"


async def test_a_progress_callback_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    _, sid, notification_id = await _page(client, container, tenant, twilio)
    response = await twilio.report_status(client, sid, "sent")
    assert response.status_code == 204, response.text
    assert (await notification(container, notification_id)).status == NotificationStatus.SENT
    assert (await attempt_of(container, notification_id)).status == AttemptStatus.SUCCEEDED


async def test_a_completed_call_callback_marks_the_call_delivered(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    alert = await raise_sos(client, tenant.reporter)
    sid = await place(container, twilio, provider_id, NotificationChannel.VOICE)
    notification_id = await sent_page(container, tenant, tenant.coordinator, provider_id, sid, alert_id=alert["id"])
    response = await twilio.report_status(client, sid, "completed")
    assert response.status_code == 204, response.text
    assert (await notification(container, notification_id)).status == NotificationStatus.DELIVERED


def _status_params(sid: str, status: str = "delivered") -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, "To": PHONE}


async def test_a_callback_without_a_signature_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id, sid, notification_id = await _page(client, container, tenant, twilio)
    response = await client.post(f"{WEBHOOKS}/{provider_id}/status", data=_status_params(sid))
    assert_forbidden(response)
    assert (await notification(container, notification_id)).status == NotificationStatus.SENT


async def test_a_callback_signed_with_another_token_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id, sid, notification_id = await _page(client, container, tenant, twilio)
    url = f"{hooks(container, provider_id)}/status"
    params = _status_params(sid)
    signature = twilio_sign("another-auth-token-000000000000", url, params)
    response = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert_forbidden(response)
    assert (await notification(container, notification_id)).status == NotificationStatus.SENT


async def test_a_callback_with_tampered_params_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id, sid, notification_id = await _page(client, container, tenant, twilio)
    url = f"{hooks(container, provider_id)}/status"
    signature = twilio_sign(AUTH_TOKEN, url, _status_params(sid, "undelivered"))
    response = await client.post(url, data=_status_params(sid), headers={"X-Twilio-Signature": signature})
    assert_forbidden(response)
    assert (await notification(container, notification_id)).status == NotificationStatus.SENT


async def test_the_signed_url_is_the_external_url_whatever_the_host_header_says(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id, sid, notification_id = await _page(client, container, tenant, twilio)
    path = f"{WEBHOOKS}/{provider_id}/status"
    params = _status_params(sid)
    as_seen_by_proxy = await twilio.signed_post(client, path, params, signed_url=f"http://testserver{path}")
    assert_forbidden(as_seen_by_proxy)
    as_given = await twilio.signed_post(client, path, params, signed_url=f"{hooks(container, provider_id)}/status")
    assert as_given.status_code == 204, as_given.text
    assert (await notification(container, notification_id)).status == NotificationStatus.DELIVERED


async def test_a_callback_for_an_unknown_provider_is_not_found(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    url = f"{hooks(container, uuid4())}/status"
    params = _status_params("SM" + "0" * 32)
    response = await twilio.signed_post(client, url, params)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


async def test_a_disabled_provider_still_takes_callbacks_for_what_it_sent(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio, enabled=False)
    response = await twilio.signed_post(client, f"{hooks(container, provider_id)}/status", _status_params("SM1"))
    assert response.status_code == 204, response.text


async def test_a_signed_callback_without_a_status_is_unprocessable(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    url = f"{hooks(container, provider_id)}/status"
    response = await twilio.signed_post(client, url, {"MessageSid": "SM1", "AccountSid": ACCOUNT_SID})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"


async def test_a_callback_with_a_repeated_field_is_malformed(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    response = await client.post(
        f"{WEBHOOKS}/{provider_id}/status",
        content=b"MessageSid=SM1&MessageStatus=sent&MessageStatus=delivered",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_body"


async def test_an_oversized_callback_is_refused(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    params = {"MessageSid": "SM1", "MessageStatus": "sent", "Padding": "x" * MAX_WEBHOOK_BYTES}
    response = await twilio.signed_post(client, f"{hooks(container, provider_id)}/status", params)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload_too_large"


# Twilio inbound SMS


async def test_replying_1_acknowledges_the_alert_of_the_latest_page(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    phone = await add_phone(container, tenant, tenant.coordinator)
    alert = await raise_sos(client, tenant.reporter)
    sid = await place(container, twilio, provider_id, NotificationChannel.SMS)
    notification_id = await sent_page(
        container, tenant, tenant.coordinator, provider_id, sid, alert_id=alert["id"], contact_method_id=phone
    )
    await issue_ack(container, tenant, tenant.coordinator, alert["id"], notification_id)
    response = await twilio.receive_sms(client, f"{hooks(container, provider_id)}/inbound", "+1 415-555-2671", "1")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    (reply,) = parse_twiml(response.text)
    assert (reply.tag, reply.text) == ("Message", "Acknowledged.")
    assert await alert_status(client, tenant, alert["id"]) == "acknowledged"


async def test_replying_ack_with_a_code_acknowledges_that_alert(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    await add_phone(container, tenant, tenant.coordinator)
    alert = await raise_sos(client, tenant.reporter)
    issued = await issue_ack(container, tenant, tenant.coordinator, alert["id"], None)
    url = f"{hooks(container, provider_id)}/inbound"
    response = await twilio.receive_sms(client, url, PHONE, f"ack {issued.code.lower()}")
    assert response.status_code == 200, response.text
    assert await alert_status(client, tenant, alert["id"]) == "acknowledged"


async def test_stop_opts_the_number_out(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    phone = await add_phone(container, tenant, tenant.responder)
    response = await twilio.receive_sms(client, f"{hooks(container, provider_id)}/inbound", PHONE, "STOP")
    assert response.status_code == 200, response.text
    (reply,) = parse_twiml(response.text)
    assert reply.tag == "Message"
    assert reply.text is not None
    assert "START" in reply.text
    async with container.engine.connect() as connection:
        opted_out = await connection.scalar(select(ContactMethod.opted_out_at).where(ContactMethod.id == phone))
    assert opted_out is not None


async def test_an_inbound_sms_from_something_not_a_phone_number_is_unprocessable(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    response = await twilio.receive_sms(client, f"{hooks(container, provider_id)}/inbound", "SOSALERTS", "1")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/From"


async def test_an_inbound_sms_with_a_tampered_body_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    phone = await add_phone(container, tenant, tenant.responder)
    url = f"{hooks(container, provider_id)}/inbound"
    signature = twilio_sign(AUTH_TOKEN, url, {"From": PHONE, "Body": "HELP"})
    response = await client.post(url, data={"From": PHONE, "Body": "STOP"}, headers={"X-Twilio-Signature": signature})
    assert_forbidden(response)
    async with container.engine.connect() as connection:
        opted_out = await connection.scalar(select(ContactMethod.opted_out_at).where(ContactMethod.id == phone))
    assert opted_out is None


# Twilio voice keypress


async def _call(client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio) -> tuple[UUID, str, str]:
    """A Twilio provider and a call placed about a new alert with a fresh ack token: (provider, call sid, alert)."""
    provider_id = await add_twilio(container, tenant, twilio)
    alert = await raise_sos(client, tenant.reporter)
    issued = await issue_ack(container, tenant, tenant.coordinator, alert["id"], None)
    sid = await place(container, twilio, provider_id, NotificationChannel.VOICE, token=issued.token)
    return provider_id, sid, alert["id"]


async def test_pressing_1_acknowledges_the_alert(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    _, sid, alert_id = await _call(client, container, tenant, twilio)
    response = await twilio.press(client, sid, "1")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    (say,) = parse_twiml(response.text)
    assert say.tag == "Say"
    assert say.text is not None
    assert say.text.startswith("Acknowledged.")
    assert await alert_status(client, tenant, alert_id) == "acknowledged"


async def test_pressing_1_again_says_the_token_was_used(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    _, sid, _ = await _call(client, container, tenant, twilio)
    await twilio.press(client, sid, "1")
    response = await twilio.press(client, sid, "1")
    assert response.status_code == 200, response.text
    (say,) = parse_twiml(response.text)
    assert say.text is not None
    assert not say.text.startswith("Acknowledged.")


async def test_pressing_another_key_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    _, sid, alert_id = await _call(client, container, tenant, twilio)
    response = await twilio.press(client, sid, "2")
    assert response.status_code == 200, response.text
    (say,) = parse_twiml(response.text)
    assert (say.tag, say.text) == ("Say", NOTHING_CHANGED)
    assert await alert_status(client, tenant, alert_id) == "triggered"


async def test_a_keypress_with_a_swapped_token_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id, _, alert_id = await _call(client, container, tenant, twilio)
    other = await issue_ack(container, tenant, tenant.coordinator, alert_id, None)
    base = f"{hooks(container, provider_id)}/voice"
    params = {"CallSid": "CA" + "1" * 32, "Digits": "1", "AccountSid": ACCOUNT_SID}
    response = await twilio.signed_post(client, f"{base}?token={other.token}", params, signed_url=f"{base}?token=x")
    assert_forbidden(response)
    assert await alert_status(client, tenant, alert_id) == "triggered"


async def test_a_keypress_without_a_token_is_unprocessable(
    client: AsyncClient, container: Container, tenant: Tenant, twilio: FakeTwilio
) -> None:
    provider_id = await add_twilio(container, tenant, twilio)
    response = await twilio.signed_post(client, f"{hooks(container, provider_id)}/voice", {"Digits": "1"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["in"] == "query"


async def test_a_gateway_takes_no_keypresses(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    provider_id = await add_gateway(container, tenant)
    response = await client.post(f"{WEBHOOKS}/{provider_id}/voice?token=abc", data={"Digits": "1"})
    assert response.status_code == 404, response.text


# SMS gateway


def gateway_headers(body: bytes, *, secret: str = GATEWAY_SECRET, age: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    return {
        "Content-Type": "application/json",
        "X-SOS-Timestamp": timestamp,
        "X-SOS-Signature": gateway_signature(secret, timestamp, body),
    }


async def test_a_gateway_delivery_receipt_marks_the_sms_delivered(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider_id = await add_gateway(container, tenant)
    alert = await raise_sos(client, tenant.reporter)
    notification_id = await sent_page(
        container, tenant, tenant.coordinator, provider_id, "gw-42", alert_id=alert["id"], kind="http_sms"
    )
    body = json.dumps({"id": "gw-42", "status": "delivered"}).encode()
    response = await client.post(f"{WEBHOOKS}/{provider_id}/status", content=body, headers=gateway_headers(body))
    assert response.status_code == 204, response.text
    assert (await notification(container, notification_id)).status == NotificationStatus.DELIVERED


@pytest.mark.parametrize(
    "headers",
    [
        {"age": 301},
        {"secret": "whsec-another-secret-000"},
    ],
)
async def test_a_stale_or_wrongly_signed_gateway_receipt_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant, headers: dict[str, Any]
) -> None:
    provider_id = await add_gateway(container, tenant)
    body = json.dumps({"id": "gw-42", "status": "delivered"}).encode()
    signed = gateway_headers(body, **headers)
    assert_forbidden(await client.post(f"{WEBHOOKS}/{provider_id}/status", content=body, headers=signed))


async def test_a_gateway_receipt_with_a_tampered_body_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider_id = await add_gateway(container, tenant)
    signed = gateway_headers(b'{"id": "gw-42", "status": "failed"}')
    body = b'{"id": "gw-42", "status": "delivered"}'
    assert_forbidden(await client.post(f"{WEBHOOKS}/{provider_id}/status", content=body, headers=signed))


async def test_a_gateway_receipt_signed_the_twilio_way_is_forbidden(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider_id = await add_gateway(container, tenant)
    url = f"{hooks(container, provider_id)}/status"
    params = {"MessageSid": "gw-42", "MessageStatus": "delivered"}
    signature = twilio_sign(GATEWAY_SECRET, url, params)
    assert_forbidden(await client.post(url, data=params, headers={"X-Twilio-Signature": signature}))


async def test_a_signed_gateway_receipt_that_breaks_the_contract_is_unprocessable(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider_id = await add_gateway(container, tenant)
    body = json.dumps({"id": "gw-42", "status": "lost"}).encode()
    response = await client.post(f"{WEBHOOKS}/{provider_id}/status", content=body, headers=gateway_headers(body))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "#/status"


async def test_a_gateway_inbound_sms_is_answered_with_json(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider_id = await add_gateway(container, tenant)
    phone = await add_phone(container, tenant, tenant.responder)
    body = json.dumps({"from": PHONE, "text": "stop"}).encode()
    response = await client.post(f"{WEBHOOKS}/{provider_id}/inbound", content=body, headers=gateway_headers(body))
    assert response.status_code == 200, response.text
    assert "START" in response.json()["reply"]
    async with container.engine.connect() as connection:
        opted_out = await connection.scalar(select(ContactMethod.opted_out_at).where(ContactMethod.id == phone))
    assert opted_out is not None


async def test_a_gateway_inbound_sms_from_an_unknown_number_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider_id = await add_gateway(container, tenant)
    alert = await raise_sos(client, tenant.reporter)
    body = json.dumps({"from": "+14155550123", "text": "1"}).encode()
    response = await client.post(f"{WEBHOOKS}/{provider_id}/inbound", content=body, headers=gateway_headers(body))
    assert response.status_code == 200, response.text
    assert response.json()["reply"]
    assert await alert_status(client, tenant, alert["id"]) == "triggered"


async def test_an_sms_to_another_organizations_provider_does_not_reach_this_one(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    phone = await add_phone(container, tenant, tenant.responder)
    provider_id = await add_gateway(container, other_tenant)
    body = json.dumps({"from": PHONE, "text": "STOP"}).encode()
    response = await client.post(f"{WEBHOOKS}/{provider_id}/inbound", content=body, headers=gateway_headers(body))
    assert response.status_code == 200, response.text
    async with container.engine.connect() as connection:
        opted_out = await connection.scalar(select(ContactMethod.opted_out_at).where(ContactMethod.id == phone))
    assert opted_out is None


async def test_an_opted_out_number_can_opt_back_in(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    provider_id = await add_gateway(container, tenant)
    phone = await add_phone(container, tenant, tenant.responder)
    async with container.engine.begin() as connection:
        await connection.execute(update(ContactMethod).where(ContactMethod.id == phone).values(opted_out_at=utcnow()))
    body = json.dumps({"from": PHONE, "text": "START"}).encode()
    response = await client.post(f"{WEBHOOKS}/{provider_id}/inbound", content=body, headers=gateway_headers(body))
    assert response.status_code == 200, response.text
    async with container.engine.connect() as connection:
        opted_out = await connection.scalar(select(ContactMethod.opted_out_at).where(ContactMethod.id == phone))
    assert opted_out is None
