from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import AdapterConfig, InstallContext, OutboundMessage, ProviderError, Recipient
from sos.providers.channels.fcm import FcmAdapter, FcmSecrets, FcmSettings
from sos.providers.channels.registry import ADAPTERS
from tests.providers.fcm_server import FcmServer, service_account

ALERT_ID = uuid4()


@pytest.fixture
async def fcm() -> AsyncIterator[FcmServer]:
    async with FcmServer() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def adapter(
    fcm: FcmServer,
    http: httpx.AsyncClient,
    account: dict[str, Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FcmAdapter:
    config = AdapterConfig(
        provider_id=uuid4(),
        name="Firebase",
        settings=FcmSettings(project_id=fcm.project_id, api_base_url=fcm.origin),
        secrets=FcmSecrets.model_validate({"service_account": account or fcm.account()}),
        http=http,
        install=InstallContext(public_url="https://sos.example.org"),
    )
    return FcmAdapter(config, clock=clock)


def device_token() -> str:
    return f"fcm-{secrets.token_urlsafe(24)}"


def page(token: str | None = None, **changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(NotificationChannel.FCM, token or device_token()),
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


async def failure(adapter_: FcmAdapter, message: OutboundMessage) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await adapter_.send(message)
    return caught.value


async def test_a_critical_page_goes_out_with_high_priority_on_the_critical_channel(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    message = page()

    result = await adapter(fcm, http).send(message)

    [sent] = fcm.sent
    assert sent.message == {
        "token": message.recipient.address,
        "notification": {"title": "SOS: fall detected", "body": "Ward 3, bed 12"},
        "data": {
            "notification_id": str(message.id),
            "alert_id": str(ALERT_ID),
            "ack_url": "https://sos.example.org/api/v1/ack/tok123",
            "url": f"https://sos.example.org/alerts/view?id={ALERT_ID}",
            "purpose": "page",
            "critical": "true",
        },
        "android": {
            "priority": "HIGH",
            "ttl": "3600s",
            "notification": {"channel_id": "sos_critical", "tag": str(ALERT_ID)},
        },
    }
    assert result.provider_message_id is not None
    assert result.provider_message_id.startswith("projects/sos-test-project/messages/")


async def test_a_page_that_is_not_critical_goes_with_normal_priority_on_the_alerts_channel(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    await adapter(fcm, http).send(page(critical=False))

    android = fcm.sent[0].message["android"]
    assert (android["priority"], android["notification"]["channel_id"]) == ("NORMAL", "sos_alerts")
    assert fcm.sent[0].message["data"]["critical"] == "false"


async def test_a_test_message_without_an_alert_carries_no_alert_links_and_expires_sooner(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    message = page(
        purpose=NotificationPurpose.TEST, alert_id=None, alert_url=None, ack_url=None, ack_api_url=None, critical=False
    )

    await adapter(fcm, http).send(message)

    sent = fcm.sent[0].message
    assert sent["data"] == {"notification_id": str(message.id), "purpose": "test", "critical": "false"}
    assert sent["android"]["ttl"] == "600s"
    assert sent["android"]["notification"]["tag"] == str(message.id)


async def test_two_sends_share_one_access_token(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    account = fcm.account()

    await adapter(fcm, http, account).send(page())
    await adapter(fcm, http, account).send(page())

    assert (fcm.token_requests, len(fcm.sent)) == (1, 2)


async def test_an_access_token_is_replaced_five_minutes_before_it_expires(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    account = fcm.account()
    now = [1000.0]
    await adapter(fcm, http, account, clock=lambda: now[0]).send(page())
    now[0] += fcm.token_lifetime - 299

    await adapter(fcm, http, account, clock=lambda: now[0]).send(page())

    assert (fcm.token_requests, len(fcm.sent), fcm.rejections) == (2, 2, [])


async def test_a_revoked_access_token_is_refreshed_once_and_the_send_retried(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    account = fcm.account()
    await adapter(fcm, http, account).send(page())
    fcm.revoke_tokens()

    await adapter(fcm, http, account).send(page())

    assert (fcm.token_requests, len(fcm.sent)) == (2, 2)


async def test_access_tokens_refused_even_when_fresh_fail_transiently_after_one_refresh(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    fcm.refuse_access_tokens = True

    error = await failure(adapter(fcm, http), page())

    assert (error.permanent, error.code, fcm.token_requests) == (False, "UNAUTHENTICATED", 2)


async def test_an_uninstalled_app_is_reported_gone(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    token = device_token()
    fcm.unregistered.add(token)

    error = await failure(adapter(fcm, http), page(token))

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, "UNREGISTERED")


async def test_an_invalid_registration_token_is_reported_gone(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    token = device_token()
    fcm.invalid.add(token)

    error = await failure(adapter(fcm, http), page(token))

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, "INVALID_ARGUMENT")


async def test_an_invalid_argument_not_about_the_token_is_permanent_but_keeps_the_token(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    fcm.fail_next("INVALID_ARGUMENT")

    error = await failure(adapter(fcm, http), page())

    assert (error.permanent, error.recipient_gone, error.code) == (True, False, "INVALID_ARGUMENT")


async def test_a_token_of_another_firebase_project_is_reported_gone(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    token = device_token()
    fcm.foreign.add(token)

    error = await failure(adapter(fcm, http), page(token))

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, "SENDER_ID_MISMATCH")


async def test_an_exceeded_quota_is_transient_and_says_when_to_retry(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    fcm.fail_next("QUOTA_EXCEEDED", **{"Retry-After": "30"})

    error = await failure(adapter(fcm, http), page())

    assert (error.permanent, error.retry_after, error.code) == (False, 30.0, "QUOTA_EXCEEDED")


@pytest.mark.parametrize("code", ["UNAVAILABLE", "INTERNAL"])
async def test_an_fcm_outage_is_transient(fcm: FcmServer, http: httpx.AsyncClient, code: str) -> None:
    fcm.fail_next(code, **{"Retry-After": "5"})

    error = await failure(adapter(fcm, http), page())

    assert (error.permanent, error.recipient_gone, error.code, error.retry_after) == (False, False, code, 5.0)


async def test_credentials_google_refuses_fail_transiently_so_the_breaker_opens(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    stranger = service_account(fcm.token_uri)

    error = await failure(adapter(fcm, http, stranger), page())

    assert (error.permanent, error.code) == (False, "invalid_grant")
    assert fcm.sent == []


async def test_an_unreachable_fcm_is_transient(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    fcm_adapter = adapter(fcm, http)
    await fcm.__aexit__(None, None, None)

    error = await failure(fcm_adapter, page())

    assert (error.permanent, error.code) == (False, "unreachable")


async def test_errors_never_show_the_private_key_the_access_token_or_the_device_token(
    fcm: FcmServer, http: httpx.AsyncClient
) -> None:
    account = fcm.account()
    fcm_adapter = adapter(fcm, http, account)
    await fcm_adapter.send(page())
    [access_token] = fcm._tokens
    token = device_token()
    fcm.invalid.add(token)
    errors = [str(await failure(fcm_adapter, page(token)))]
    for code in ("QUOTA_EXCEEDED", "UNAVAILABLE", "SENDER_ID_MISMATCH"):
        fcm.fail_next(code)
        errors.append(str(await failure(fcm_adapter, page(token))))
    fcm.refuse_access_tokens = True
    errors.append(str(await failure(fcm_adapter, page(token))))
    errors.append(str(await failure(adapter(fcm, http, service_account(fcm.token_uri)), page(token))))

    key_line = account["private_key"].splitlines()[1]
    for text in errors:
        assert access_token not in text
        assert token not in text
        assert key_line not in text


async def test_health_fetches_a_new_access_token_without_sending(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    account = fcm.account()
    await adapter(fcm, http, account).send(page())

    health = await adapter(fcm, http, account).check_health()

    assert health.ok
    assert (fcm.token_requests, len(fcm.sent)) == (2, 1)


async def test_health_fails_when_google_refuses_the_credentials(fcm: FcmServer, http: httpx.AsyncClient) -> None:
    health = await adapter(fcm, http, service_account(fcm.token_uri)).check_health()

    assert (health.ok, health.detail) == (False, "Google refused the service account credentials (invalid_grant)")


def test_fcm_is_a_configurable_adapter_for_the_fcm_channel() -> None:
    spec = ADAPTERS.get("fcm")

    assert (spec.channels, spec.configurable, spec.settings_model, spec.secrets_model) == (
        frozenset({NotificationChannel.FCM}),
        True,
        FcmSettings,
        FcmSecrets,
    )


# Settings and secrets: what an admin enters, checked before it is stored (the API answers 422).


def test_the_key_file_google_gives_is_accepted_with_its_extra_fields_dropped() -> None:
    account = service_account("https://oauth2.googleapis.com/token")

    secrets_ = FcmSecrets.model_validate({"service_account": account})

    assert secrets_.service_account.client_email == account["client_email"]
    assert "auth_provider_x509_cert_url" not in secrets_.model_dump()["service_account"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "authorized_user"}, "type"),
        ({"client_email": "not-an-email"}, "client_email"),
        ({"private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"}, "private_key"),
        ({"token_uri": "http://oauth2.example.com/token"}, "token_uri"),
        ({"private_key_id": ""}, "private_key_id"),
    ],
)
def test_a_malformed_service_account_is_refused(change: dict[str, str], field: str) -> None:
    account = service_account("https://oauth2.googleapis.com/token") | change

    with pytest.raises(ValidationError) as caught:
        FcmSecrets.model_validate({"service_account": account})

    assert [error["loc"] for error in caught.value.errors()] == [("service_account", field)]


def test_a_service_account_with_an_ec_key_is_refused_without_echoing_the_key() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    account = service_account("https://oauth2.googleapis.com/token") | {"private_key": pem}

    with pytest.raises(ValidationError, match="private_key must be an RSA key") as caught:
        FcmSecrets.model_validate({"service_account": account})

    assert [error["msg"] for error in caught.value.errors()] == ["Value error, private_key must be an RSA key"]


def test_a_service_account_is_required() -> None:
    with pytest.raises(ValidationError):
        FcmSecrets.model_validate({})


@pytest.mark.parametrize(
    "settings",
    [
        {"project_id": "Bad_Project"},
        {"project_id": "sos-test-project", "api_base_url": "http://fcm.example.com"},
        {"project_id": "sos-test-project", "unknown": 1},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        FcmSettings.model_validate(settings)
