from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.apns import ApnsAdapter, ApnsSecrets, ApnsSettings
from sos.providers.channels.base import AdapterConfig, InstallContext, OutboundMessage, ProviderError, Recipient
from sos.providers.channels.registry import ADAPTERS
from tests.providers.apns_server import BUNDLE_ID, KEY_ID, TEAM_ID, ApnsServer, device_token, signing_key_pem

ALERT_ID = uuid4()


@pytest.fixture
async def apns(tmp_path: Path) -> AsyncIterator[ApnsServer]:
    async with ApnsServer(tmp_path) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def signing_key(apns: ApnsServer) -> str:
    pem = signing_key_pem()
    apns.trust(pem)
    return pem


class Adapters:
    """Builds adapters against the fake APNs and closes their HTTP/2 clients afterwards."""

    def __init__(self, apns: ApnsServer, http: httpx.AsyncClient, signing_key: str) -> None:
        self._apns, self._http, self._signing_key = apns, http, signing_key
        self._built: list[ApnsAdapter] = []

    def __call__(
        self, *, signing_key: str | None = None, clock: Callable[[], float] = time.time, **settings: Any
    ) -> ApnsAdapter:
        fields: dict[str, Any] = {
            "team_id": TEAM_ID,
            "key_id": KEY_ID,
            "bundle_id": BUNDLE_ID,
            "environment": "sandbox",
            "api_base_url": self._apns.origin,
            "ca_pem": self._apns.ca_pem,
        } | settings
        config = AdapterConfig(
            provider_id=uuid4(),
            name="APNs",
            settings=ApnsSettings.model_validate(fields),
            secrets=ApnsSecrets(signing_key=signing_key or self._signing_key),
            http=self._http,
            install=InstallContext(public_url="https://sos.example.org"),
        )
        adapter = ApnsAdapter(config, clock=clock)
        self._built.append(adapter)
        return adapter

    async def close(self) -> None:
        for adapter in self._built:
            await adapter.aclose()


@pytest.fixture
async def adapters(apns: ApnsServer, http: httpx.AsyncClient, signing_key: str) -> AsyncIterator[Adapters]:
    built = Adapters(apns, http, signing_key)
    yield built
    await built.close()


def page(token: str | None = None, **changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(NotificationChannel.APNS, token or device_token()),
        "purpose": NotificationPurpose.PAGE,
        "title": "SOS: fall detected",
        "body": "Ward 3, bed 12",
        "critical": True,
        "alert_id": ALERT_ID,
        "alert_url": f"https://sos.example.org/alerts/view?id={ALERT_ID}",
        "ack_url": "https://sos.example.org/api/v1/ack/tok123",
        "ack_api_url": "https://sos.example.org/api/v1/ack/tok123",
    }
    fields.update(changes)
    return OutboundMessage(**fields)


async def failure(adapter: ApnsAdapter, message: OutboundMessage) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await adapter.send(message)
    return caught.value


async def test_a_critical_page_rings_through_when_the_app_has_the_critical_alerts_entitlement(
    apns: ApnsServer, adapters: Adapters
) -> None:
    message = page()

    result = await adapters(critical_alerts_entitled=True).send(message)

    [push] = apns.pushes
    assert push.payload == {
        "aps": {
            "alert": {"title": "SOS: fall detected", "body": "Ward 3, bed 12"},
            "sound": {"critical": 1, "name": "default", "volume": 1.0},
            "category": "SOS_ALERT",
            "interruption-level": "critical",
            "thread-id": str(ALERT_ID),
        },
        "alert_id": str(ALERT_ID),
        "ack_url": "https://sos.example.org/api/v1/ack/tok123",
        "url": f"https://sos.example.org/alerts/view?id={ALERT_ID}",
        "notification_id": str(message.id),
    }
    assert push.http_version == "2"
    assert result.provider_message_id == str(message.id)


async def test_a_critical_page_goes_with_priority_10_collapsed_on_its_alert_for_an_hour(
    apns: ApnsServer, adapters: Adapters
) -> None:
    message = page()

    await adapters().send(message)

    headers = apns.pushes[0].headers
    assert {name: headers[name] for name in ("apns-topic", "apns-push-type", "apns-priority", "apns-id")} == {
        "apns-topic": BUNDLE_ID,
        "apns-push-type": "alert",
        "apns-priority": "10",
        "apns-id": str(message.id),
    }
    assert headers["apns-collapse-id"] == str(ALERT_ID)
    assert abs(int(headers["apns-expiration"]) - (time.time() + 3600)) < 5


async def test_without_the_entitlement_a_critical_page_is_time_sensitive_with_the_default_sound(
    apns: ApnsServer, adapters: Adapters
) -> None:
    await adapters(critical_alerts_entitled=False).send(page())

    aps = apns.pushes[0].payload["aps"]
    assert (aps["sound"], aps["interruption-level"]) == ("default", "time-sensitive")


async def test_a_page_that_is_not_critical_is_still_time_sensitive_with_priority_10(
    apns: ApnsServer, adapters: Adapters
) -> None:
    await adapters(critical_alerts_entitled=True).send(page(critical=False))

    push = apns.pushes[0]
    assert (push.payload["aps"]["interruption-level"], push.payload["aps"]["sound"]) == ("time-sensitive", "default")
    assert push.headers["apns-priority"] == "10"


async def test_a_test_message_goes_with_priority_5_uncollapsed_and_without_alert_links(
    apns: ApnsServer, adapters: Adapters
) -> None:
    message = page(
        purpose=NotificationPurpose.TEST, critical=False, alert_id=None, alert_url=None, ack_url=None, ack_api_url=None
    )

    await adapters().send(message)

    push = apns.pushes[0]
    assert push.headers["apns-priority"] == "5"
    assert "apns-collapse-id" not in push.headers
    assert abs(int(push.headers["apns-expiration"]) - (time.time() + 600)) < 5
    assert set(push.payload) == {"aps", "notification_id"}
    assert (push.payload["aps"]["interruption-level"], push.payload["aps"]["thread-id"]) == ("active", str(message.id))


async def test_a_long_body_is_shortened_to_fit_the_4_kb_payload_limit(apns: ApnsServer, adapters: Adapters) -> None:
    await adapters().send(page(body="ü" * 4000))

    body = apns.pushes[0].payload["aps"]["alert"]["body"]
    assert body.endswith("…")
    assert len(body) > 1500


async def test_the_provider_token_is_reused_across_sends_and_rebuilt_adapters(
    apns: ApnsServer, adapters: Adapters
) -> None:
    await adapters().send(page())
    await adapters().send(page())

    assert (len(apns.provider_tokens), len(apns.pushes)) == (1, 2)


async def test_the_provider_token_is_renewed_after_50_minutes(apns: ApnsServer, adapters: Adapters) -> None:
    await adapters(clock=lambda: time.time() - 50 * 60 - 1).send(page())

    await adapters().send(page())

    assert (len(apns.provider_tokens), len(apns.pushes)) == (2, 2)


async def test_an_expired_provider_token_fails_transiently_and_the_retry_signs_a_new_one(
    apns: ApnsServer, adapters: Adapters
) -> None:
    adapter = adapters()
    await adapter.send(page())
    apns.expire_provider_tokens()

    error = await failure(adapter, page())
    await adapter.send(page())

    assert (error.permanent, error.code) == (False, "ExpiredProviderToken")
    assert (len(apns.provider_tokens), len(apns.pushes)) == (2, 2)


async def test_a_key_apns_does_not_know_fails_transiently_so_the_breaker_opens(adapters: Adapters) -> None:
    error = await failure(adapters(signing_key=signing_key_pem()), page())

    assert (error.permanent, error.recipient_gone, error.code) == (False, False, "InvalidProviderToken")


@pytest.mark.parametrize(("status", "reason"), [(400, "BadDeviceToken"), (400, "DeviceTokenNotForTopic")])
async def test_a_device_token_apns_refuses_is_reported_gone(
    apns: ApnsServer, adapters: Adapters, status: int, reason: str
) -> None:
    apns.fail_next(status, reason)

    error = await failure(adapters(), page())

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, reason)


async def test_an_uninstalled_app_is_reported_gone(apns: ApnsServer, adapters: Adapters) -> None:
    token = device_token()
    apns.unregistered.add(token)

    error = await failure(adapters(), page(token))

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, "Unregistered")


async def test_a_malformed_device_token_is_gone_without_a_request(apns: ApnsServer, adapters: Adapters) -> None:
    error = await failure(adapters(), page("not/a-token"))

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, "BadDeviceToken")
    assert apns.provider_tokens == []


async def test_a_payload_apns_finds_too_large_is_permanent_but_keeps_the_device(
    apns: ApnsServer, adapters: Adapters
) -> None:
    apns.fail_next(413, "PayloadTooLarge")

    error = await failure(adapters(), page())

    assert (error.permanent, error.recipient_gone, error.code) == (True, False, "PayloadTooLarge")


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "TooManyRequests"), (500, "InternalServerError"), (503, "ServiceUnavailable")]
)
async def test_throttling_and_outages_are_transient(
    apns: ApnsServer, adapters: Adapters, status: int, reason: str
) -> None:
    apns.fail_next(status, reason, **{"Retry-After": "7"})

    error = await failure(adapters(), page())

    assert (error.permanent, error.recipient_gone, error.code, error.retry_after) == (False, False, reason, 7.0)


async def test_an_unreachable_apns_is_transient(apns: ApnsServer, adapters: Adapters) -> None:
    adapter = adapters()
    await apns.__aexit__(None, None, None)

    error = await failure(adapter, page())

    assert (error.permanent, error.code) == (False, "unreachable")


async def test_a_server_certificate_not_signed_by_a_trusted_ca_is_refused(
    apns: ApnsServer, adapters: Adapters, tmp_path: Path
) -> None:
    async with ApnsServer(tmp_path) as other:
        error = await failure(adapters(api_base_url=apns.origin, ca_pem=other.ca_pem), page())

    assert (error.permanent, error.code) == (False, "unreachable")


async def test_errors_never_show_the_signing_key_the_provider_token_or_the_device_token(
    apns: ApnsServer, adapters: Adapters, signing_key: str
) -> None:
    adapter = adapters()
    token = device_token()
    apns.unregistered.add(token)
    errors = [str(await failure(adapter, page(token)))]
    for status, reason in ((400, "BadDeviceToken"), (429, "TooManyRequests"), (503, "ServiceUnavailable")):
        apns.fail_next(status, reason)
        errors.append(str(await failure(adapter, page(token))))
    apns.expire_provider_tokens()
    errors.append(str(await failure(adapter, page(token))))

    key_line = signing_key.splitlines()[1]
    for text in errors:
        assert token not in text
        assert key_line not in text
        assert all(provider_token not in text for provider_token in apns.provider_tokens)


async def test_health_proves_the_signing_key_without_notifying_anyone(apns: ApnsServer, adapters: Adapters) -> None:
    health = await adapters().check_health()

    assert health.ok, health.detail
    assert (apns.pushes, len(apns.provider_tokens)) == ([], 1)


async def test_health_fails_when_apns_refuses_the_key(adapters: Adapters) -> None:
    health = await adapters(signing_key=signing_key_pem()).check_health()

    assert (health.ok, health.detail) == (False, "APNs answered 403 InvalidProviderToken")


async def test_health_fails_when_apns_is_unreachable(apns: ApnsServer, adapters: Adapters) -> None:
    adapter = adapters()
    await apns.__aexit__(None, None, None)

    health = await adapter.check_health()

    assert (health.ok, health.detail) == (False, "APNs is unreachable (ConnectError)")


def test_apns_is_a_configurable_adapter_for_the_apns_channel() -> None:
    spec = ADAPTERS.get("apns")

    assert (spec.channels, spec.configurable, spec.settings_model, spec.secrets_model) == (
        frozenset({NotificationChannel.APNS}),
        True,
        ApnsSettings,
        ApnsSecrets,
    )


def test_production_is_the_default_environment() -> None:
    settings = ApnsSettings(team_id=TEAM_ID, key_id=KEY_ID, bundle_id=BUNDLE_ID)

    assert settings.base_url == "https://api.push.apple.com"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"team_id": "team"}, "team_id"),
        ({"key_id": "KEY"}, "key_id"),
        ({"bundle_id": "nodots"}, "bundle_id"),
        ({"environment": "staging"}, "environment"),
        ({"api_base_url": "http://127.0.0.1:8443"}, "api_base_url"),
        ({"ca_pem": "not a certificate"}, "ca_pem"),
        ({"topic": BUNDLE_ID}, "topic"),
    ],
)
def test_bad_settings_are_refused(change: dict[str, str], field: str) -> None:
    settings = {"team_id": TEAM_ID, "key_id": KEY_ID, "bundle_id": BUNDLE_ID} | change

    with pytest.raises(ValidationError) as caught:
        ApnsSettings.model_validate(settings)

    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


def test_a_signing_key_that_is_not_p256_is_refused_without_echoing_it() -> None:
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )

    with pytest.raises(ValidationError) as caught:
        ApnsSecrets(signing_key=pem)

    assert [error["msg"] for error in caught.value.errors()] == ["Value error, signing_key must be a P-256 (ES256) key"]
    assert pem.splitlines()[1] not in str(caught.value)


def test_a_signing_key_that_is_not_pem_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an unencrypted PEM private key"):
        ApnsSecrets(signing_key="MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg")
