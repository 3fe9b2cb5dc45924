"""Web Push to browsers (RFC 8030), built in: no vendor account, only the install's VAPID key pair.

The payload is encrypted for the subscription with aes128gcm (RFC 8291) and the request is signed with VAPID
(RFC 8292); the console's service worker shows it and posts its Acknowledge action to ``ack_url``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import http_ece  # type: ignore[import-untyped]
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    AdapterSettings,
    HealthCheck,
    NoSecrets,
    OutboundMessage,
    ProviderError,
    SendResult,
)
from sos.providers.channels.registry import ADAPTERS, AdapterSpec
from sos.providers.egress import is_public, literal_address
from sos.providers.vapid import public_key_of

RECORD_SIZE = 4096
MAX_PLAINTEXT = RECORD_SIZE - 86 - 16 - 1
"""One 4096-byte record, less the aes128gcm header (salt, record size, key id: the 65-byte sender key), the
authentication tag and the padding delimiter: 3993 bytes, what every push service accepts."""
PAGE_TTL_SECONDS = 3600
OTHER_TTL_SECONDS = 600
VAPID_TOKEN_SECONDS = 12 * 3600
MAX_ENDPOINT_LENGTH = 2048
MAX_TITLE_LENGTH = 200
ELLIPSIS = "…".encode()
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}", re.ASCII)


def retry_after_seconds(value: str | None) -> float | None:
    """An HTTP ``Retry-After`` header (seconds or an HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{1,9}", value, re.ASCII):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _b64url_decode(value: str, what: str) -> bytes:
    if not _BASE64URL.fullmatch(value):
        raise ValueError(f"{what} is not base64url")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not base64url") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_push_subscription(endpoint: str, p256dh: str, auth: str, *, allow_loopback_http: bool) -> None:
    """Refuses a subscription this install could not push to: raises :class:`ValueError` saying what is wrong.

    The endpoint must be https on a public host; ``allow_loopback_http`` (development and tests) also lets in a push
    service on this machine, over http or https.
    """
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise ValueError(f"the push endpoint is longer than {MAX_ENDPOINT_LENGTH} characters")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError:
        raise ValueError("the push endpoint is not a valid URL") from None
    if not host:
        raise ValueError("the push endpoint is not a valid URL")
    loopback = _is_loopback(host)
    if loopback and not allow_loopback_http:
        raise ValueError("the push endpoint must not be on this machine")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("the push endpoint must be an https URL")
    address = literal_address(host)
    if not loopback and address is not None and not is_public(address):
        raise ValueError("the push endpoint must be on a public host")
    point = _b64url_decode(p256dh, "p256dh")
    if len(point) != 65 or point[0] != 0x04:
        raise ValueError("p256dh must be an uncompressed P-256 public key (65 bytes starting with 0x04)")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValueError("p256dh is not a point on the P-256 curve") from None
    if len(_b64url_decode(auth, "auth")) != 16:
        raise ValueError("auth must be 16 bytes")


def encrypt_payload(plaintext: bytes, p256dh: str, auth: str) -> bytes:
    """The aes128gcm body (RFC 8291) for one subscription, with a fresh sender key and salt."""
    receiver_key = _b64url_decode(p256dh, "p256dh")
    auth_secret = _b64url_decode(auth, "auth")
    if len(auth_secret) != 16:
        raise ValueError("auth must be 16 bytes")
    body: bytes = http_ece.encrypt(
        plaintext,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=receiver_key,
        auth_secret=auth_secret,
        rs=RECORD_SIZE,
        version="aes128gcm",
    )
    return body


def push_payload(message: OutboundMessage) -> bytes:
    """The JSON the service worker reads, at most :data:`MAX_PLAINTEXT` bytes: a long body is shortened."""
    actions = [{"action": "open", "title": "Open"}]
    if message.ack_api_url:
        actions.insert(0, {"action": "ack", "title": "Acknowledge"})
    data: dict[str, Any] = {
        "title": message.title[:MAX_TITLE_LENGTH],
        "body": message.body,
        "alert_id": str(message.alert_id) if message.alert_id else None,
        "notification_id": str(message.id),
        "url": message.alert_url,
        "ack_url": message.ack_api_url,
        "critical": message.critical,
        "purpose": message.purpose.value,
        "tag": str(message.alert_id or message.id),
        "actions": actions,
    }
    encoded = _dumps(data)
    body = message.body.encode()
    while len(encoded) > MAX_PLAINTEXT and body:
        body = body[: max(0, len(body) - (len(encoded) - MAX_PLAINTEXT) - len(ELLIPSIS))]
        data["body"] = body.decode(errors="ignore") + "…"
        encoded = _dumps(data)
    if len(encoded) > MAX_PLAINTEXT:
        raise ProviderError("the push message is too large even without its body", permanent=True, code="too_large")
    return encoded


def _dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def vapid_authorization(endpoint: str, private_key: ec.EllipticCurvePrivateKey, subject: str) -> str:
    """The ``Authorization: vapid t=..., k=...`` header for a push to ``endpoint`` (RFC 8292)."""
    url = httpx.URL(endpoint)
    claims = {
        "aud": f"{url.scheme}://{url.netloc.decode()}",
        "exp": int(time.time()) + VAPID_TOKEN_SECONDS,
        "sub": subject,
    }
    token = jwt.encode(claims, private_key, algorithm="ES256", headers={"typ": "JWT"})
    return f"vapid t={token}, k={public_key_of(private_key)}"


class WebPushAdapter:
    def __init__(self, config: AdapterConfig) -> None:
        self._http = config.http
        self._install = config.install

    def _signing_key(self) -> ec.EllipticCurvePrivateKey:
        pem = self._install.vapid_private_key_pem
        if not pem:
            raise ProviderError("this install has no VAPID key pair yet", permanent=False, code="vapid_keys_missing")
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ProviderError("the install's VAPID key is not a P-256 key", permanent=False, code="vapid_key_invalid")
        return key

    async def send(self, message: OutboundMessage) -> SendResult:
        recipient = message.recipient
        signing_key = self._signing_key()
        try:
            body = encrypt_payload(
                push_payload(message), recipient.keys.get("p256dh", ""), recipient.keys.get("auth", "")
            )
            authorization = vapid_authorization(recipient.address, signing_key, self._install.vapid_subject)
        except (ValueError, httpx.InvalidURL, http_ece.ECEException):
            raise ProviderError(
                "the push subscription is malformed", permanent=True, code="invalid_subscription", recipient_gone=True
            ) from None
        critical_page = message.critical and message.purpose is NotificationPurpose.PAGE
        headers = {
            "authorization": authorization,
            "content-encoding": "aes128gcm",
            "content-type": "application/octet-stream",
            "ttl": str(PAGE_TTL_SECONDS if message.purpose is NotificationPurpose.PAGE else OTHER_TTL_SECONDS),
            "urgency": "high" if critical_page else "normal",
            "topic": (message.alert_id or message.id).hex,
        }
        host = httpx.URL(recipient.address).host
        try:
            response = await self._http.post(recipient.address, content=body, headers=headers)
        except httpx.TimeoutException:
            raise ProviderError(f"the push service {host} timed out", permanent=False, code="timeout") from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"the push service {host} is unreachable ({type(exc).__name__})", permanent=False, code="unreachable"
            ) from None
        return _result(response, host)

    async def check_health(self) -> HealthCheck:
        """Web Push has no account to check: the install's VAPID key must load and sign."""
        try:
            key = self._signing_key()
            vapid_authorization("https://push.example", key, self._install.vapid_subject)
        except ProviderError as exc:
            return HealthCheck(ok=False, detail=str(exc))
        return HealthCheck(ok=True, detail="the install's VAPID key pair is ready")


def _result(response: httpx.Response, host: str) -> SendResult:
    status = response.status_code
    if 200 <= status < 300:
        return SendResult(provider_message_id=response.headers.get("location"))
    code = f"http_{status}"
    if status in (404, 410):
        raise ProviderError(
            f"the push service {host} says the subscription is gone ({status})",
            permanent=True,
            code=code,
            recipient_gone=True,
        )
    if status == 429:
        raise ProviderError(
            f"the push service {host} is rate limiting this install",
            permanent=False,
            code=code,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
    if status >= 500:
        raise ProviderError(
            f"the push service {host} failed ({status})",
            permanent=False,
            code=code,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
    reasons = {400: "refused the request", 403: "refused the VAPID signature", 413: "refused the payload as too large"}
    raise ProviderError(
        f"the push service {host} {reasons.get(status, 'refused the message')} ({status})", permanent=True, code=code
    )


def build(config: AdapterConfig) -> WebPushAdapter:
    return WebPushAdapter(config)


ADAPTERS.register(
    AdapterSpec(
        kind="webpush",
        channels=frozenset({NotificationChannel.WEB_PUSH}),
        settings_model=AdapterSettings,
        secrets_model=NoSecrets,
        build=build,
        configurable=False,
    )
)
