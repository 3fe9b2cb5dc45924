"""The delivery pipeline end to end: an escalation pages a responder by email through a real SMTP server on loopback,
with failover, retries, rule-step delays, quiet hours and deduplication."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.notifications.domain import NotificationChannel, Urgency
from tests.delivery.setup import (
    add_contact,
    add_provider,
    attempts_of,
    external_notifications,
    make_due,
    run_due,
    set_quiet_hours,
    set_rule,
    smtp_settings,
)
from tests.factories import Tenant, raise_sos, timeline_of
from tests.notifications.helpers import consume, escalated
from tests.providers.chat_server import ChatWebhookServer
from tests.providers.smtp_server import LoopbackSmtpServer, free_port

RESPONDER_EMAIL = "responder@sos.test"


async def _page(client: AsyncClient, container: Container, tenant: Tenant, *, severity: str = "high") -> str:
    alert = await raise_sos(client, tenant.reporter, severity=severity)
    await consume(container, escalated(tenant, alert["id"], [tenant.responder.user_id]))
    return str(alert["id"])


async def test_a_page_by_email_reaches_the_smtp_server_with_an_acknowledge_link(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant)
        (mail,) = await smtp.wait_for(1)
    assert mail["To"] == RESPONDER_EMAIL
    text = mail.get_body(("plain",))
    assert text is not None
    assert "/api/v1/ack/" in text.get_content()


async def test_every_attempt_is_recorded_with_provider_message_id_and_timings(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    with LoopbackSmtpServer() as smtp:
        provider_id = await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant)
        await smtp.wait_for(1)
    (notification,) = await external_notifications(container, tenant.responder)
    (attempt,) = await attempts_of(container, notification.id)
    assert notification.status == "sent"
    assert (attempt.status, attempt.provider_id, attempt.provider_kind) == ("succeeded", provider_id, "smtp")
    assert attempt.provider_message_id
    assert attempt.duration_ms is not None
    assert attempt.finished_at >= attempt.started_at


async def test_a_provider_that_is_down_fails_over_to_the_next_provider_of_the_channel(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    with LoopbackSmtpServer() as backup:
        await add_provider(container, tenant, "smtp", smtp_settings(free_port()), name="primary", priority=1)
        await add_provider(container, tenant, "smtp", smtp_settings(backup.port), name="backup", priority=2)
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant)
        await backup.wait_for(1)
    (notification,) = await external_notifications(container, tenant.responder)
    assert [attempt.status for attempt in await attempts_of(container, notification.id)] == ["failed", "succeeded"]


async def test_a_refused_email_fails_over_to_the_next_channel_of_the_rule_at_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    refused = {RESPONDER_EMAIL: "550 5.1.1 Mailbox unavailable"}
    async with ChatWebhookServer() as chat:
        with LoopbackSmtpServer(refusals=refused) as smtp:
            await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
            email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
            slack = await add_contact(container, tenant.responder, NotificationChannel.SLACK, chat.slack_url())
            await set_rule(container, tenant.responder, [(email, 0), (slack, 600)])
            await _page(client, container, tenant)
            await run_due(container)
        email_page, slack_page = await external_notifications(container, tenant.responder)
        assert (email_page.status, slack_page.status) == ("failed", "delivered")
        assert len(chat.posts) == 1


async def test_a_refusal_is_recorded_once_and_never_retried_on_that_provider(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    refused = {RESPONDER_EMAIL: "550 5.1.1 Mailbox unavailable"}
    with LoopbackSmtpServer(refusals=refused) as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant)
        await run_due(container)
    (notification,) = await external_notifications(container, tenant.responder)
    (attempt,) = await attempts_of(container, notification.id)
    assert notification.status == "failed"
    assert attempt.permanent
    assert attempt.error_code


async def test_a_transient_failure_is_retried_after_a_backoff(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    port = free_port()
    await add_provider(container, tenant, "smtp", smtp_settings(port))
    await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
    await _page(client, container, tenant)
    (waiting,) = await external_notifications(container, tenant.responder)
    assert waiting.status == "pending"
    assert waiting.rounds == 1
    (failed,) = await attempts_of(container, waiting.id)
    # Due again some time after the failed try (measured from the try, not from now: a loaded machine is slow).
    assert waiting.due_at.replace(tzinfo=UTC) > failed.finished_at.replace(tzinfo=UTC)
    smtp = LoopbackSmtpServer()
    smtp.port = port
    with smtp:
        await make_due(container, waiting.id)
        await run_due(container)
        await smtp.wait_for(1)
    (sent,) = await external_notifications(container, tenant.responder)
    assert sent.status == "sent"
    assert [attempt.status for attempt in await attempts_of(container, sent.id)] == ["failed", "succeeded"]


async def test_a_redelivered_event_sends_one_email(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        alert = await raise_sos(client, tenant.reporter)
        event = escalated(tenant, alert["id"], [tenant.responder.user_id])
        await consume(container, event)
        await consume(container, event)
        await smtp.wait_for(1)
        await run_due(container)
        assert len(smtp.messages) == 1


async def test_a_second_run_of_a_delivery_job_sends_nothing_more(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant)
        (notification,) = await external_notifications(container, tenant.responder)
        await container.jobs.enqueue("notifications.deliver", {"notification_id": str(notification.id)}, key="again")
        await container.jobs.join()
        assert len(smtp.messages) == 1


async def test_a_rule_step_waits_for_its_delay(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await set_rule(container, tenant.responder, [(email, 120)])
        await _page(client, container, tenant)
        (waiting,) = await external_notifications(container, tenant.responder)
        await run_due(container)
        assert smtp.messages == []
        assert waiting.status == "pending"
        assert timedelta(seconds=110) < waiting.due_at.replace(tzinfo=UTC) - utcnow() <= timedelta(seconds=120)
        await make_due(container, waiting.id)
        await run_due(container)
        await smtp.wait_for(1)


def _quiet_now() -> tuple[time, time]:
    """Quiet hours that include the present moment, in UTC."""
    now = datetime.now(UTC)
    return (now - timedelta(hours=1)).time().replace(microsecond=0), (now + timedelta(hours=1)).time().replace(
        microsecond=0
    )


async def test_quiet_hours_hold_a_default_page_until_they_end(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    start, end = _quiet_now()
    await set_quiet_hours(container, tenant.responder, start, end, "UTC")
    await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
    await _page(client, container, tenant, severity="high")
    (held,) = await external_notifications(container, tenant.responder)
    assert held.status == "pending"
    assert held.due_at.replace(tzinfo=UTC) - utcnow() > timedelta(minutes=55)


async def test_a_critical_alert_rings_through_quiet_hours(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    start, end = _quiet_now()
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await set_quiet_hours(container, tenant.responder, start, end, "UTC")
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant, severity="critical")
        (mail,) = await smtp.wait_for(1)
    assert str(mail["Subject"]).startswith("[CRITICAL]")


async def test_critical_alerts_follow_the_critical_rule(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with ChatWebhookServer() as chat:
        email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        mattermost = await add_contact(
            container, tenant.responder, NotificationChannel.MATTERMOST, chat.mattermost_url()
        )
        await set_rule(container, tenant.responder, [(email, 0)], Urgency.DEFAULT)
        await set_rule(container, tenant.responder, [(mattermost, 0)], Urgency.CRITICAL)
        await _page(client, container, tenant, severity="critical")
        (page,) = await external_notifications(container, tenant.responder)
        assert (page.channel, page.status, page.urgency) == ("mattermost", "delivered", "critical")


async def test_an_acknowledged_alert_cancels_the_pages_still_waiting(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    email = await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
    await set_rule(container, tenant.responder, [(email, 300)])
    alert_id = await _page(client, container, tenant)
    response = await client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    await container.relay.drain()
    (page,) = await external_notifications(container, tenant.responder)
    assert page.status == "cancelled"


async def test_an_unverified_contact_method_is_never_paged(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL, verified=False)
    await _page(client, container, tenant)
    assert await external_notifications(container, tenant.responder) == []


async def test_the_timeline_shows_each_delivery_with_a_masked_address(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port))
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        alert_id = await _page(client, container, tenant)
        await smtp.wait_for(1)
    await container.relay.drain()
    (entry,) = await timeline_of(container, alert_id, kind_prefix="notification.sent")
    assert entry.data["channel"] == "email"
    assert entry.data["address"] == "r…@sos.test"
    assert RESPONDER_EMAIL not in str(entry.data)


async def test_an_open_breaker_skips_a_dead_provider_without_trying_it(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    with LoopbackSmtpServer() as backup:
        dead = await add_provider(container, tenant, "smtp", smtp_settings(free_port()), name="dead", priority=1)
        await add_provider(container, tenant, "smtp", smtp_settings(backup.port), name="backup", priority=2)
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        for _ in range(container.settings.provider_breaker_failures):
            container.delivery.breaker(str(dead)).record_failure()
        await _page(client, container, tenant)
        await backup.wait_for(1)
    (notification,) = await external_notifications(container, tenant.responder)
    assert [attempt.provider_id for attempt in await attempts_of(container, notification.id)] != [dead]
    assert len(await attempts_of(container, notification.id)) == 1


async def test_a_spent_rate_limit_defers_the_page_instead_of_dropping_it(
    client: AsyncClient, container: Container, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The budget stays spent until the test says so: a real one-second window can pass on a loaded machine before
    # the page is tried. The limiter itself is tested in tests/unit/test_provider_rate_limiter.py.
    spent = {"now": True}
    acquire = container.delivery.limiter.acquire

    async def spent_while_told(key: str, per_second: int | None) -> bool:
        return False if spent["now"] and per_second else await acquire(key, per_second)

    monkeypatch.setattr(container.delivery.limiter, "acquire", spent_while_told)
    with LoopbackSmtpServer() as smtp:
        await add_provider(container, tenant, "smtp", smtp_settings(smtp.port), rate_limit_per_second=1)
        await add_contact(container, tenant.responder, NotificationChannel.EMAIL, RESPONDER_EMAIL)
        await _page(client, container, tenant)
        (deferred,) = await external_notifications(container, tenant.responder)
        assert deferred.status == "pending"
        assert smtp.messages == []
        spent["now"] = False
        await make_due(container, deferred.id)
        await run_due(container)
        await smtp.wait_for(1)


async def test_a_code_that_could_not_be_sent_says_why_on_the_contact_method(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/me/contact-methods",
        json={"channel": "sms", "address": "+4915112345678", "label": "Phone"},
        headers=tenant.responder.headers,
    )
    assert response.status_code == 201, response.text
    await container.relay.drain()
    await container.jobs.join()
    listed = await client.get("/api/v1/me/contact-methods", headers=tenant.responder.headers)
    (method,) = listed.json()
    assert method["last_message"]["purpose"] == "verification"
    assert method["last_message"]["status"] == "failed"
    assert method["last_message"]["error"] == "no provider is configured for this channel"
