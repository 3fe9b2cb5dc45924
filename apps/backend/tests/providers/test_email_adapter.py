"""The SMTP adapter against a real aiosmtpd server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import AdapterConfig, InstallContext, OutboundMessage, ProviderError, Recipient
from sos.providers.channels.email import SmtpAdapter, SmtpSecrets, SmtpSettings, install_smtp_config
from sos.providers.channels.registry import ADAPTERS
from tests.providers.smtp_server import LoopbackSmtpServer, free_port
from tests.settings import make_settings

PUBLIC_URL = "http://127.0.0.1:8000"
PASSWORD = "correct-horse-battery-staple"
RECIPIENT = "responder@example.org"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def server() -> Iterator[LoopbackSmtpServer]:
    with LoopbackSmtpServer(refusals={"gone@example.org": "550 5.1.1 <gone@example.org>: mailbox unavailable"}) as s:
        yield s


def adapter_for(
    server: LoopbackSmtpServer | None,
    http: httpx.AsyncClient,
    *,
    port: int | None = None,
    password: str | None = None,
    trust_ca: bool = True,
    **settings: Any,
) -> SmtpAdapter:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port or (server.port if server else free_port()),
        "security": server.security if server else "none",
        "from_address": "SOS Alerts <alerts@sos.example.org>",
        "timeout_seconds": 5,
    }
    if server is not None and server.tls is not None and trust_ca:
        values["tls_ca_pem"] = server.tls.ca_pem
    values.update(settings)
    config = AdapterConfig(
        provider_id=None,
        name="test smtp",
        settings=SmtpSettings(**values),
        secrets=SmtpSecrets(password=SecretStr(password) if password else None),
        http=http,
        install=InstallContext(public_url=PUBLIC_URL),
    )
    return SmtpAdapter(config)


def page(**overrides: Any) -> OutboundMessage:
    alert_id = uuid4()
    values: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(channel=NotificationChannel.EMAIL, address=RECIPIENT),
        "purpose": NotificationPurpose.PAGE,
        "title": "SOS: fall at loading dock",
        "body": "Reported by Dana.\nLocation: warehouse B",
        "critical": False,
        "alert_id": alert_id,
        "alert_url": f"{PUBLIC_URL}/alerts/view?id={alert_id}",
        "ack_url": f"{PUBLIC_URL}/api/v1/ack/tok-123",
    }
    values.update(overrides)
    return OutboundMessage(**values)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())


async def test_a_page_arrives_as_text_and_html_alternatives(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    await adapter_for(server, http).send(page())
    (received,) = await server.wait_for(1)
    text, html = parts(received)
    assert received.get_content_type() == "multipart/alternative"
    assert "Reported by Dana." in text
    assert "Location: warehouse B" in html
    assert received["To"] == RECIPIENT
    assert server.received[0].recipients == [RECIPIENT]


async def test_a_page_carries_the_acknowledge_and_open_links_in_both_parts(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    message = page()
    await adapter_for(server, http).send(message)
    (received,) = await server.wait_for(1)
    text, html = parts(received)
    assert f"Acknowledge: {message.ack_url}" in text
    assert f"Open alert: {message.alert_url}" in text
    assert f'href="{message.ack_url}"' in html
    assert ">Acknowledge</a>" in html
    assert f'href="{message.alert_url}">Open alert</a>' in html


async def test_a_critical_page_is_marked_critical_in_the_subject(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    await adapter_for(server, http).send(page(critical=True))
    (received,) = await server.wait_for(1)
    assert received["Subject"] == "[CRITICAL] SOS: fall at loading dock"
    assert received["Importance"] == "high"


async def test_a_verification_email_has_no_acknowledge_button(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    message = page(
        purpose=NotificationPurpose.VERIFICATION,
        title="Your verification code",
        body="Code: 482913",
        critical=True,
        alert_id=None,
        alert_url=None,
        ack_url=None,
    )
    await adapter_for(server, http).send(message)
    (received,) = await server.wait_for(1)
    text, html = parts(received)
    assert received["Subject"] == "Your verification code"
    assert "Acknowledge" not in text
    assert "Acknowledge" not in html
    assert "Code: 482913" in text
    assert received["X-SOS-Alert-Id"] is None


async def test_the_message_id_follows_the_notification_so_a_resend_repeats_it(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    message = page()
    adapter = adapter_for(server, http)
    first = await adapter.send(message)
    second = await adapter.send(message)
    received = await server.wait_for(2)
    assert first.provider_message_id == second.provider_message_id == f"<{message.id}@sos.example.org>"
    assert [mail["Message-ID"] for mail in received] == [first.provider_message_id] * 2


async def test_the_email_says_it_is_automatic_and_names_its_alert(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    message = page()
    await adapter_for(server, http).send(message)
    (received,) = await server.wait_for(1)
    assert received["Auto-Submitted"] == "auto-generated"
    assert UUID(received["X-SOS-Alert-Id"]) == message.alert_id
    assert received["From"] == "SOS Alerts <alerts@sos.example.org>"


async def test_a_hostile_title_and_body_are_escaped_in_the_html_part(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    hostile = '<script>alert("x")</script><a href="https://evil.example">click</a>'
    await adapter_for(server, http).send(page(title=hostile, body=f"body {hostile}"))
    (received,) = await server.wait_for(1)
    _, html = parts(received)
    assert "<script>" not in html
    assert 'evil.example">' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


async def test_a_title_with_line_breaks_cannot_inject_headers(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    await adapter_for(server, http).send(page(title="Fire\r\nBcc: attacker@example.net"))
    (received,) = await server.wait_for(1)
    assert received["Bcc"] is None
    assert received["Subject"] == "Fire Bcc: attacker@example.net"
    assert server.received[0].recipients == [RECIPIENT]


async def test_starttls_with_a_private_ca_delivers_over_tls(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="starttls") as server:
        await adapter_for(server, http).send(page())
        await server.wait_for(1)
        assert server.received[0].used_tls


async def test_implicit_tls_delivers(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="tls") as server:
        await adapter_for(server, http).send(page())
        await server.wait_for(1)
        assert server.received[0].used_tls


async def test_an_untrusted_certificate_is_a_transient_tls_failure(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="starttls") as server:
        with pytest.raises(ProviderError) as failure:
            await adapter_for(server, http, trust_ca=False).send(page())
        assert (failure.value.permanent, failure.value.code) == (False, "smtp-tls")
        assert "certificate" in str(failure.value)
        assert server.messages == []


async def test_a_login_with_the_right_password_delivers(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="starttls", credentials=("sos", PASSWORD)) as server:
        await adapter_for(server, http, username="sos", password=PASSWORD).send(page())
        await server.wait_for(1)
        assert server.received[0].login == "sos"


async def test_a_wrong_password_is_transient_and_never_quoted(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="starttls", credentials=("sos", PASSWORD)) as server:
        wrong = "wrong-password-3141"
        with pytest.raises(ProviderError) as failure:
            await adapter_for(server, http, username="sos", password=wrong).send(page())
        assert (failure.value.permanent, failure.value.code) == (False, "smtp-auth-535")
        assert wrong not in str(failure.value)
        assert failure.value.__cause__ is None
        assert failure.value.__suppress_context__


async def test_a_refused_mailbox_is_a_permanent_failure_that_names_no_address(
    server: LoopbackSmtpServer, http: httpx.AsyncClient
) -> None:
    recipient = Recipient(channel=NotificationChannel.EMAIL, address="gone@example.org")
    with pytest.raises(ProviderError) as failure:
        await adapter_for(server, http).send(page(recipient=recipient))
    error = failure.value
    assert (error.permanent, error.code, error.recipient_gone) == (True, "smtp-5xx-550", True)
    assert "gone@example.org" not in str(error)
    assert "5.1.1" in str(error)


async def test_a_deferred_recipient_is_transient(http: httpx.AsyncClient) -> None:
    refusals = {"busy@example.org": "451 4.7.1 Greylisted, try again later"}
    with LoopbackSmtpServer(refusals=refusals) as server:
        recipient = Recipient(channel=NotificationChannel.EMAIL, address="busy@example.org")
        with pytest.raises(ProviderError) as failure:
            await adapter_for(server, http).send(page(recipient=recipient))
        assert (failure.value.permanent, failure.value.code) == (False, "smtp-4xx-451")


async def test_a_server_that_is_down_is_a_transient_failure(http: httpx.AsyncClient) -> None:
    with pytest.raises(ProviderError) as failure:
        await adapter_for(None, http).send(page())
    assert (failure.value.permanent, failure.value.code) == (False, "smtp-connect")


async def test_health_is_ok_when_the_server_accepts_login_and_noop(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="starttls", credentials=("sos", PASSWORD)) as server:
        health = await adapter_for(server, http, username="sos", password=PASSWORD).check_health()
    assert health.ok
    assert PASSWORD not in health.detail
    assert server.messages == []


async def test_health_fails_when_the_server_is_down(http: httpx.AsyncClient) -> None:
    health = await adapter_for(None, http).check_health()
    assert not health.ok
    assert "cannot reach" in health.detail


async def test_health_fails_on_a_wrong_password_without_quoting_it(http: httpx.AsyncClient) -> None:
    with LoopbackSmtpServer(security="starttls", credentials=("sos", PASSWORD)) as server:
        health = await adapter_for(server, http, username="sos", password="nope-nope-nope").check_health()
    assert not health.ok
    assert "refused the login" in health.detail
    assert "nope-nope-nope" not in health.detail


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "not a host"),
        ("host", ""),
        ("port", 0),
        ("port", 70000),
        ("security", "ssl"),
        ("from_address", "not-an-address"),
        ("from_address", "a@example.org, b@example.org"),
        ("from_address", "Ops <ops@example.org>\r\nBcc: x@example.net"),
        ("tls_ca_pem", "not a certificate"),
        ("timeout_seconds", 0),
    ],
)
def test_invalid_settings_are_rejected(field: str, value: object) -> None:
    values: dict[str, object] = {"host": "smtp.example.org", "from_address": "ops@example.org", field: value}
    with pytest.raises(ValidationError) as failure:
        SmtpSettings.model_validate(values)
    assert failure.value.errors()[0]["loc"] == (field,)


def test_unknown_settings_are_rejected() -> None:
    with pytest.raises(ValidationError):
        SmtpSettings.model_validate({"host": "smtp.example.org", "from_address": "a@example.org", "pasword": "x"})


def test_the_password_is_masked_in_repr_but_sealed_in_json() -> None:
    secrets = SmtpSecrets(password=SecretStr(PASSWORD))
    assert PASSWORD not in repr(secrets)
    assert SmtpSecrets.model_validate(secrets.model_dump(mode="json")) == secrets


def test_the_install_smtp_account_comes_from_the_settings(tmp_path: Path) -> None:
    settings = make_settings("sqlite+aiosqlite://", tmp_path).model_copy(
        update={
            "smtp_host": "mail.example.org",
            "smtp_port": 465,
            "smtp_security": "tls",
            "smtp_username": "sos",
            "smtp_password": SecretStr(PASSWORD),
            "smtp_from": "SOS <sos@example.org>",
        }
    )
    account = install_smtp_config(settings)
    assert account is not None
    smtp, secrets = account
    assert (smtp.host, smtp.port, smtp.security, smtp.username, smtp.from_address) == (
        "mail.example.org",
        465,
        "tls",
        "sos",
        "SOS <sos@example.org>",
    )
    assert secrets.password is not None
    assert secrets.password.get_secret_value() == PASSWORD


def test_there_is_no_install_smtp_account_without_a_host(tmp_path: Path) -> None:
    assert install_smtp_config(make_settings("sqlite+aiosqlite://", tmp_path)) is None


def test_the_smtp_kind_serves_email() -> None:
    spec = ADAPTERS.get("smtp")
    assert spec.channels == frozenset({NotificationChannel.EMAIL})
    assert (spec.settings_model, spec.secrets_model, spec.configurable, spec.receipts) == (
        SmtpSettings,
        SmtpSecrets,
        True,
        False,
    )
