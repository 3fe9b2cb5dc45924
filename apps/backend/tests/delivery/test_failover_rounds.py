"""Failover across rounds: a provider that refused once is not asked again, a channel given up on hands over to the
next rule step, an acknowledgement stops the acknowledger's remaining pages, and a job that lost its claim changes
nothing."""

from __future__ import annotations

import asyncio
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import insert, update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.notifications import claims, pipeline
from sos.notifications.claims import Claim
from sos.notifications.domain import MAX_DELIVERY_ROUNDS, NotificationChannel
from sos.notifications.models import Notification, NotificationAttempt
from sos.notifications.receipts import record_receipt
from sos.notifications.sending import SendOutcome, breaker_key
from sos.providers.channels.base import DeliveryReceipt, Recipient
from tests.delivery.setup import (
    add_contact,
    add_provider,
    attempts_of,
    external_notifications,
    make_due,
    run_due,
    set_rule,
    smtp_settings,
)
from tests.factories import Tenant, raise_sos
from tests.notifications.helpers import settle
from tests.providers.chat_server import ChatWebhookServer
from tests.providers.smtp_server import LoopbackSmtpServer, free_port
from tests.providers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

EMAIL = "responder@sos.test"
PHONE = "+4915112345678"


async def _assigned_page(client: AsyncClient, container: Container, tenant: Tenant) -> str:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 200, response.text
    await settle(container)
    return str(alert["id"])


async def test_a_provider_that_refused_is_not_asked_again_in_later_rounds(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    refused = {EMAIL: "554 5.7.1 Rejected by policy"}
    with LoopbackSmtpServer(refusals=refused) as refusing:
        await add_provider(container, tenant, "smtp", smtp_settings(refusing.port), name="refusing", priority=1)
        await add_provider(container, tenant, "smtp", smtp_settings(free_port()), name="down", priority=2)
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, EMAIL)
        await _assigned_page(client, container, tenant)
        (page,) = await external_notifications(container, tenant.responder)
        await make_due(container, page.id)
        await run_due(container)
    attempts = await attempts_of(container, page.id)
    assert [a.permanent for a in attempts] == [True, False, False]


async def test_a_channel_given_up_on_hands_over_to_the_next_rule_step(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with ChatWebhookServer() as chat:
        await add_provider(container, tenant, "smtp", smtp_settings(free_port()))
        email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, EMAIL)
        slack = await add_contact(container, tenant.responder, NotificationChannel.SLACK, chat.slack_url())
        await set_rule(container, tenant.responder, [(email, 0), (slack, 900)])
        await _assigned_page(client, container, tenant)
        email_page, _ = await external_notifications(container, tenant.responder)
        async with container.engine.begin() as connection:
            await connection.execute(
                update(Notification).where(Notification.id == email_page.id).values(rounds=MAX_DELIVERY_ROUNDS - 1)
            )
        await make_due(container, email_page.id)
        await run_due(container)
        await run_due(container)  # the sweeper's next tick picks up the step brought forward
        email_page, slack_page = await external_notifications(container, tenant.responder)
        assert (email_page.status, slack_page.status) == ("failed", "delivered")
        assert len(chat.posts) == 1


async def test_acknowledging_by_sms_stops_the_responders_later_steps(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with FakeTwilio() as twilio:
        settings = {"account_sid": ACCOUNT_SID, "from_number": FROM_NUMBER, "api_base_url": twilio.base_url}
        provider = await add_provider(container, tenant, "twilio", settings, {"auth_token": AUTH_TOKEN})
        sms = await add_contact(container, tenant.responder, NotificationChannel.SMS, PHONE)
        email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, EMAIL)
        await set_rule(container, tenant.responder, [(sms, 0), (email, 300)])
        await _assigned_page(client, container, tenant)
        inbound = f"{container.settings.external_url}/api/v1/webhooks/providers/{provider}/inbound"
        await twilio.receive_sms(client, inbound, PHONE, "1")
    await settle(container)
    sms_page, email_page = await external_notifications(container, tenant.responder)
    assert (sms_page.status, email_page.status) == ("sent", "cancelled")


async def test_a_job_whose_claim_was_taken_over_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await add_provider(container, tenant, "smtp", smtp_settings(free_port()))
    email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, EMAIL)
    await set_rule(container, tenant.responder, [(email, 600)])
    await _assigned_page(client, container, tenant)
    (page,) = await external_notifications(container, tenant.responder)
    await make_due(container, page.id)
    claimed = await claims.claim(container.uow_factory(), container.delivery, UUID(str(page.id)))
    assert isinstance(claimed, Claim)
    async with container.engine.begin() as connection:
        await connection.execute(update(Notification).where(Notification.id == page.id).values(claim_id=new_id()))
    await pipeline._record(container.uow_factory(), claimed, SendOutcome())
    (after,) = await external_notifications(container, tenant.responder)
    assert after.status == "sending"


def test_built_in_providers_keep_one_breaker_per_destination_host(container: Container) -> None:
    chat = next(provider for provider in container.delivery.built_in_providers() if provider.kind == "chat")

    def key(url: str) -> str:
        claim = Claim(new_id(), [], Recipient(NotificationChannel.SLACK, url), "", {}, [])
        return breaker_key(chat, claim)

    assert key("https://hooks.slack.com/services/T/B/C") != key("https://chat.example.org/hooks/abc")
    assert key("https://hooks.slack.com/services/T/B/C") == key("https://hooks.slack.com/services/T/B/D")


async def test_a_receipt_that_beats_the_record_of_its_send_is_still_applied(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    provider = await add_provider(container, tenant, "smtp", smtp_settings(free_port()))
    email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, EMAIL)
    await set_rule(container, tenant.responder, [(email, 600)])
    await _assigned_page(client, container, tenant)
    (page,) = await external_notifications(container, tenant.responder)
    receipt = DeliveryReceipt(provider_message_id="late-1", delivered=True, failed=False)
    applying = asyncio.create_task(record_receipt(container.uow_factory(), provider, receipt))
    await asyncio.sleep(0.1)
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(NotificationAttempt).values(
                id=new_id(),
                notification_id=page.id,
                channel="email",
                provider_id=provider,
                provider_kind="smtp",
                provider_message_id="late-1",
                status="succeeded",
                permanent=False,
                started_at=utcnow(),
                finished_at=utcnow(),
            )
        )
    assert await applying
