from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    InstallContext,
    NoSecrets,
    OutboundMessage,
    ProviderError,
    Recipient,
)
from sos.providers.channels.registry import ADAPTERS
from sos.providers.channels.webpush import (
    MAX_PLAINTEXT,
    WebPushAdapter,
    retry_after_seconds,
    validate_push_subscription,
)
from sos.providers.vapid import VapidKeys, generate_vapid_keys
from tests.providers.push_service import PushService, Subscriber, b64url

SUBJECT = "mailto:ops@sos.example.org"
ALERT_ID = uuid4()


@pytest.fixture
async def service() -> AsyncIterator[PushService]:
    async with PushService() as push_service:
        yield push_service


@pytest.fixture
def keys() -> VapidKeys:
    return generate_vapid_keys()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


def adapter(http: httpx.AsyncClient, keys: VapidKeys | None) -> WebPushAdapter:
    install = InstallContext(
        public_url="https://sos.example.org",
        vapid_private_key_pem=keys.private_key_pem if keys else None,
        vapid_public_key=keys.public_key if keys else None,
        vapid_subject=SUBJECT,
    )
    return WebPushAdapter(AdapterConfig(None, "Web Push", NoSecrets(), NoSecrets(), http, install))


def page(subscriber: Subscriber, **changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(
            NotificationChannel.WEB_PUSH, subscriber.endpoint, {"p256dh": subscriber.p256dh, "auth": subscriber.auth}
        ),
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


async def failure(adapter_: WebPushAdapter, message: OutboundMessage) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await adapter_.send(message)
    return caught.value


async def test_a_critical_page_arrives_decrypted_with_actions_and_deep_link(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    subscriber = service.subscribe(keys.public_key)
    message = page(subscriber)

    result = await adapter(http, keys).send(message)

    assert service.rejections == []
    [delivery] = service.deliveries
    assert delivery.payload == {
        "title": "SOS: fall detected",
        "body": "Ward 3, bed 12",
        "alert_id": str(ALERT_ID),
        "notification_id": str(message.id),
        "url": f"https://sos.example.org/alerts/view?id={ALERT_ID}",
        "ack_url": "https://sos.example.org/api/v1/ack/tok123",
        "critical": True,
        "purpose": "page",
        "tag": str(ALERT_ID),
        "actions": [{"action": "ack", "title": "Acknowledge"}, {"action": "open", "title": "Open"}],
    }
    assert result.provider_message_id is not None
    assert result.provider_message_id.startswith(f"{service.origin}/message/")


async def test_a_critical_page_is_sent_with_high_urgency_a_one_hour_ttl_and_the_alert_as_topic(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    await adapter(http, keys).send(page(service.subscribe(keys.public_key)))

    headers = service.deliveries[0].headers
    assert (headers["urgency"], headers["ttl"], headers["topic"]) == ("high", "3600", ALERT_ID.hex)


async def test_a_page_that_is_not_critical_goes_with_normal_urgency(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    await adapter(http, keys).send(page(service.subscribe(keys.public_key), critical=False))

    assert service.deliveries[0].headers["urgency"] == "normal"
    assert service.deliveries[0].payload["critical"] is False


async def test_a_test_message_without_an_alert_is_tagged_with_the_notification_and_expires_sooner(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    message = page(
        service.subscribe(keys.public_key),
        purpose=NotificationPurpose.TEST,
        critical=False,
        alert_id=None,
        alert_url=None,
        ack_url=None,
        ack_api_url=None,
    )

    await adapter(http, keys).send(message)

    delivery = service.deliveries[0]
    assert (delivery.payload["tag"], delivery.headers["topic"]) == (str(message.id), message.id.hex)
    assert delivery.headers["ttl"] == "600"
    assert delivery.payload["actions"] == [{"action": "open", "title": "Open"}]
    assert delivery.payload["purpose"] == "test"


async def test_the_vapid_token_names_the_push_service_origin_the_subject_and_a_near_expiry(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    await adapter(http, keys).send(page(service.subscribe(keys.public_key)))

    claims = service.deliveries[0].claims
    assert (claims["aud"], claims["sub"]) == (service.origin, SUBJECT)
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600


async def test_a_push_signed_with_another_install_key_is_refused_permanently(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    subscriber = service.subscribe(generate_vapid_keys().public_key)

    error = await failure(adapter(http, keys), page(subscriber))

    assert (error.permanent, error.recipient_gone, error.code) == (True, False, "http_403")


async def test_a_long_body_is_shortened_to_fit_one_push_record(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    await adapter(http, keys).send(page(service.subscribe(keys.public_key), body="é" * 5000))

    delivery = service.deliveries[0]
    assert delivery.payload["body"].endswith("…")
    assert delivery.payload["body"].startswith("é" * 1000)
    assert delivery.size <= 4096


async def test_a_body_that_fits_is_not_shortened(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    body = "x" * (MAX_PLAINTEXT - 1000)

    await adapter(http, keys).send(page(service.subscribe(keys.public_key), body=body))

    assert service.deliveries[0].payload["body"] == body


@pytest.mark.parametrize("status", [404, 410])
async def test_an_expired_subscription_is_reported_gone(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient, status: int
) -> None:
    service.answer(status)

    error = await failure(adapter(http, keys), page(service.subscribe(keys.public_key)))

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, f"http_{status}")


@pytest.mark.parametrize("status", [400, 403, 413])
async def test_a_refused_request_is_permanent_but_keeps_the_subscription(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient, status: int
) -> None:
    service.answer(status)

    error = await failure(adapter(http, keys), page(service.subscribe(keys.public_key)))

    assert (error.permanent, error.recipient_gone) == (True, False)


async def test_rate_limiting_is_transient_and_says_when_to_retry(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    service.answer(429, **{"Retry-After": "120"})

    error = await failure(adapter(http, keys), page(service.subscribe(keys.public_key)))

    assert (error.permanent, error.retry_after, error.code) == (False, 120.0, "http_429")


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_push_service_failure_is_transient(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient, status: int
) -> None:
    service.answer(status)

    error = await failure(adapter(http, keys), page(service.subscribe(keys.public_key)))

    assert (error.permanent, error.recipient_gone) == (False, False)


async def test_a_push_service_that_does_not_answer_in_time_is_a_transient_timeout(
    service: PushService, keys: VapidKeys
) -> None:
    service.delay_seconds = 1.0
    async with httpx.AsyncClient(timeout=0.1) as impatient:
        error = await failure(adapter(impatient, keys), page(service.subscribe(keys.public_key)))

    assert (error.permanent, error.code) == (False, "timeout")


async def test_an_unreachable_push_service_is_transient(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    subscriber = service.subscribe(keys.public_key)
    await service.__aexit__(None, None, None)

    error = await failure(adapter(http, keys), page(subscriber))

    assert (error.permanent, error.code) == (False, "unreachable")


async def test_a_malformed_stored_subscription_is_gone_without_a_request(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    subscriber = service.subscribe(keys.public_key)
    message = page(subscriber, recipient=Recipient(NotificationChannel.WEB_PUSH, subscriber.endpoint, {"auth": "x"}))

    error = await failure(adapter(http, keys), message)

    assert (error.permanent, error.recipient_gone, error.code) == (True, True, "invalid_subscription")
    assert (service.deliveries, service.rejections) == ([], [])


async def test_without_the_install_vapid_keys_sending_fails_transiently(
    service: PushService, http: httpx.AsyncClient
) -> None:
    error = await failure(adapter(http, None), page(service.subscribe(generate_vapid_keys().public_key)))

    assert (error.permanent, error.code) == (False, "vapid_keys_missing")


async def test_errors_never_show_the_endpoint_the_subscription_keys_or_the_private_key(
    service: PushService, keys: VapidKeys, http: httpx.AsyncClient
) -> None:
    subscriber = service.subscribe(keys.public_key)
    for status in (400, 404, 410, 429, 500):
        service.answer(status)
    messages = [str(await failure(adapter(http, keys), page(subscriber))) for _ in range(5)]
    bad = page(subscriber, recipient=Recipient(NotificationChannel.WEB_PUSH, subscriber.endpoint, {"p256dh": "AAAA"}))
    messages.append(str(await failure(adapter(http, keys), bad)))

    secret_path = subscriber.endpoint.rsplit("/", 1)[1]
    pem_body = keys.private_key_pem.splitlines()[1]
    for text in messages:
        assert secret_path not in text
        assert subscriber.auth not in text
        assert pem_body not in text


async def test_health_is_ok_when_the_install_key_signs(keys: VapidKeys, http: httpx.AsyncClient) -> None:
    health = await adapter(http, keys).check_health()

    assert health.ok


async def test_health_fails_without_the_install_key(http: httpx.AsyncClient) -> None:
    health = await adapter(http, None).check_health()

    assert (health.ok, health.detail) == (False, "this install has no VAPID key pair yet")


def test_web_push_is_a_built_in_adapter_for_the_web_push_channel() -> None:
    spec = ADAPTERS.get("webpush")

    assert (spec.channels, spec.configurable, spec.secrets_model) == (
        frozenset({NotificationChannel.WEB_PUSH}),
        False,
        NoSecrets,
    )


def test_retry_after_reads_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)

    seconds = retry_after_seconds(format_datetime(when, usegmt=True))

    assert seconds is not None
    assert 85 <= seconds <= 90


def test_retry_after_ignores_nonsense() -> None:
    assert retry_after_seconds("soon") is None


# Subscription validation: what a browser gives the console, checked before it is stored.


def browser_subscription() -> tuple[str, str, str]:
    subscriber = Subscriber("https://fcm.googleapis.com/fcm/send/abc", "unused")
    return subscriber.endpoint, subscriber.p256dh, subscriber.auth


def test_a_browser_subscription_is_accepted() -> None:
    validate_push_subscription(*browser_subscription(), allow_loopback_http=False)


def test_padded_base64_keys_are_accepted() -> None:
    endpoint, p256dh, auth = browser_subscription()

    validate_push_subscription(endpoint, p256dh + "=", auth + "==", allow_loopback_http=False)


def test_a_loopback_http_endpoint_is_accepted_when_allowed() -> None:
    _, p256dh, auth = browser_subscription()

    validate_push_subscription("http://127.0.0.1:8080/push/1", p256dh, auth, allow_loopback_http=True)


@pytest.mark.parametrize(
    ("endpoint", "allow", "reason"),
    [
        ("http://push.example.com/1", True, "must be an https URL"),
        ("http://127.0.0.1:8080/push/1", False, "must not be on this machine"),
        ("https://localhost/push/1", False, "must not be on this machine"),
        ("https://10.0.0.7/push/1", False, "must be on a public host"),
        ("https://169.254.169.254/latest", True, "must be on a public host"),
        ("ftp://push.example.com/1", False, "must be an https URL"),
        ("https:///nohost", False, "not a valid URL"),
        ("https://push.example.com:99999/1", False, "not a valid URL"),
        ("https://push.example.com/" + "a" * 2100, False, "longer than 2048"),
    ],
)
def test_an_endpoint_this_install_must_not_post_to_is_refused(endpoint: str, allow: bool, reason: str) -> None:
    _, p256dh, auth = browser_subscription()

    with pytest.raises(ValueError, match=reason):
        validate_push_subscription(endpoint, p256dh, auth, allow_loopback_http=allow)


def test_a_p256dh_point_off_the_curve_is_refused() -> None:
    endpoint, _, auth = browser_subscription()
    off_curve = b64url(b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big"))

    with pytest.raises(ValueError, match="not a point on the P-256 curve"):
        validate_push_subscription(endpoint, off_curve, auth, allow_loopback_http=False)


@pytest.mark.parametrize(
    "p256dh",
    [
        b64url(b"\x04" + b"\x01" * 63),
        b64url(b"\x02" + b"\x01" * 64),
        b64url(b"\x04" + b"\x01" * 65),
    ],
)
def test_a_p256dh_that_is_not_an_uncompressed_point_is_refused(p256dh: str) -> None:
    endpoint, _, auth = browser_subscription()

    with pytest.raises(ValueError, match="uncompressed P-256 public key"):
        validate_push_subscription(endpoint, p256dh, auth, allow_loopback_http=False)


@pytest.mark.parametrize("auth", [b64url(b"\x01" * 15), b64url(b"\x01" * 17), ""])
def test_an_auth_secret_that_is_not_16_bytes_is_refused(auth: str) -> None:
    endpoint, p256dh, _ = browser_subscription()

    with pytest.raises(ValueError, match="auth"):
        validate_push_subscription(endpoint, p256dh, auth, allow_loopback_http=False)


def test_keys_that_are_not_base64url_are_refused() -> None:
    endpoint, _, auth = browser_subscription()
    standard_base64 = base64.b64encode(b"\xfb\xff" * 32 + b"\x04").decode()

    with pytest.raises(ValueError, match="p256dh is not base64url"):
        validate_push_subscription(endpoint, standard_base64, auth, allow_loopback_http=False)
