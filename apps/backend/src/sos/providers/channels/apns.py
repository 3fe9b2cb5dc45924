"""Apple Push Notification service with token-based authentication (a .p8 signing key), for the iOS app.

APNs speaks only HTTP/2 and wants its connections kept open, so each adapter owns an HTTP/2 client, opened on the
first send; whoever builds the adapter keeps it for its provider and calls :meth:`ApnsAdapter.aclose` when done.
Provider tokens (ES256 JWTs) are shared by every adapter of a signing key: APNs refuses a key that renews its token
more than once in 20 minutes, and tokens older than an hour.
"""

from __future__ import annotations

import hashlib
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID, uuid4

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import load_pem_x509_certificates
from pydantic import Field, field_validator

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    AdapterSettings,
    HealthCheck,
    OutboundMessage,
    ProviderError,
    Recipient,
    SendResult,
)
from sos.providers.channels.registry import ADAPTERS, AdapterSpec
from sos.providers.channels.webpush import retry_after_seconds

BASE_URLS = {"production": "https://api.push.apple.com", "sandbox": "https://api.sandbox.push.apple.com"}
TOKEN_REUSE_SECONDS = 50 * 60
PAGE_TTL_SECONDS = 3600
OTHER_TTL_SECONDS = 600
MAX_PAYLOAD_BYTES = 4096
HEALTH_PROBE_DEVICE = "0" * 64
CATEGORY = "SOS_ALERT"
"""The iOS app registers its Acknowledge and Open actions under this notification category."""
GONE_REASONS = frozenset({"BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken"})
PROVIDER_REASONS = frozenset(
    {"InvalidProviderToken", "MissingProviderToken", "BadCertificate", "BadCertificateEnvironment", "Forbidden"}
)
"""Refusals of the signing key or team itself rather than of one message."""


class ApnsSettings(AdapterSettings):
    team_id: str = Field(pattern=r"^[A-Z0-9]{10}$", description="The Apple Developer team ID")
    key_id: str = Field(pattern=r"^[A-Z0-9]{10}$", description="The ID of the APNs signing key (.p8)")
    bundle_id: str = Field(
        pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$", max_length=155, description="The iOS app's bundle ID"
    )
    environment: Literal["production", "sandbox"] = "production"
    critical_alerts_entitled: bool = Field(
        default=False, description="Apple granted the app the Critical Alerts entitlement: critical pages ring"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="Only set for a local test server")
    ca_pem: str | None = Field(
        default=None,
        max_length=50_000,
        description="PEM certificates to trust instead of the system's, with api_base_url (a local test server)",
    )

    @field_validator("api_base_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("api_base_url must be an https URL")
        return value.rstrip("/") if value else value

    @field_validator("ca_pem")
    @classmethod
    def _certificates(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            load_pem_x509_certificates(value.encode())
        except ValueError:
            raise ValueError("ca_pem is not PEM certificates") from None
        return value

    @property
    def base_url(self) -> str:
        return self.api_base_url or BASE_URLS[self.environment]


class ApnsSecrets(AdapterSettings):
    signing_key: str = Field(max_length=10_000, repr=False, description="The APNs signing key file (.p8), PEM")

    @field_validator("signing_key")
    @classmethod
    def _p256_key(cls, value: str) -> str:
        try:
            key = serialization.load_pem_private_key(value.encode(), password=None)
        except (ValueError, TypeError):
            raise ValueError("signing_key is not an unencrypted PEM private key (.p8)") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("signing_key must be a P-256 (ES256) key")
        return value


@dataclass(frozen=True, slots=True)
class _ProviderToken:
    value: str
    issued_at: float


_TokenKey = tuple[str, str, str]
_TOKENS: dict[_TokenKey, _ProviderToken] = {}


def apns_payload(message: OutboundMessage, *, critical_alerts_entitled: bool) -> bytes:
    """The notification's JSON, at most 4 KB: a long body is shortened."""
    ring_through = message.critical and critical_alerts_entitled
    if ring_through:
        level = "critical"
    elif message.purpose is NotificationPurpose.PAGE:
        level = "time-sensitive"
    else:
        level = "active"
    aps: dict[str, Any] = {
        "alert": {"title": message.title[:200], "body": message.body},
        "sound": {"critical": 1, "name": "default", "volume": 1.0} if ring_through else "default",
        "category": CATEGORY,
        "interruption-level": level,
        "thread-id": str(message.alert_id or message.id),
    }
    extra = {
        "alert_id": str(message.alert_id) if message.alert_id else None,
        "ack_url": message.ack_api_url,
        "url": message.alert_url,
        "notification_id": str(message.id),
    }
    payload = {"aps": aps} | {name: value for name, value in extra.items() if value is not None}
    encoded = _dumps(payload)
    body = message.body.encode()
    while len(encoded) > MAX_PAYLOAD_BYTES and body:
        body = body[: max(0, len(body) - (len(encoded) - MAX_PAYLOAD_BYTES) - 3)]
        aps["alert"]["body"] = body.decode(errors="ignore") + "…"
        encoded = _dumps(payload)
    return encoded


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class ApnsAdapter:
    def __init__(self, config: AdapterConfig, *, clock: Callable[[], float] = time.time) -> None:
        if not isinstance(config.settings, ApnsSettings) or not isinstance(config.secrets, ApnsSecrets):
            raise TypeError("the APNs adapter needs ApnsSettings and ApnsSecrets")
        self._settings = config.settings
        self._signing_key = config.secrets.signing_key
        self._clock = clock
        self._timeout = config.http.timeout
        self._client: httpx.AsyncClient | None = None
        fingerprint = hashlib.sha256(self._signing_key.encode()).hexdigest()
        self._token_key = (self._settings.team_id, self._settings.key_id, fingerprint)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            ca_pem = self._settings.ca_pem
            verify: ssl.SSLContext | bool = ssl.create_default_context(cadata=ca_pem) if ca_pem else True
            self._client = httpx.AsyncClient(http2=True, verify=verify, timeout=self._timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _provider_token(self) -> str:
        now = self._clock()
        cached = _TOKENS.get(self._token_key)
        if cached is not None and now - cached.issued_at < TOKEN_REUSE_SECONDS:
            return cached.value
        value = jwt.encode(
            {"iss": self._settings.team_id, "iat": int(now)},
            self._signing_key,
            algorithm="ES256",
            headers={"kid": self._settings.key_id},
        )
        _TOKENS[self._token_key] = _ProviderToken(value, now)
        return value

    def _forget_token(self, value: str) -> None:
        cached = _TOKENS.get(self._token_key)
        if cached is not None and cached.value == value:
            del _TOKENS[self._token_key]

    def _headers(self, message: OutboundMessage, token: str) -> dict[str, str]:
        critical_or_page = message.critical or message.purpose is NotificationPurpose.PAGE
        ttl = PAGE_TTL_SECONDS if message.purpose is NotificationPurpose.PAGE else OTHER_TTL_SECONDS
        headers = {
            "authorization": f"bearer {token}",
            "apns-topic": self._settings.bundle_id,
            "apns-push-type": "alert",
            "apns-priority": "10" if critical_or_page else "5",
            "apns-id": str(message.id),
            "apns-expiration": str(int(self._clock()) + ttl),
        }
        if message.alert_id is not None:
            headers["apns-collapse-id"] = str(message.alert_id)
        return headers

    async def send(self, message: OutboundMessage) -> SendResult:
        token = self._provider_token()
        payload = apns_payload(message, critical_alerts_entitled=self._settings.critical_alerts_entitled)
        response = await self._post(message.recipient.address, payload, self._headers(message, token))
        if response.status_code == 200:
            return SendResult(provider_message_id=response.headers.get("apns-id"))
        reason = _reason(response)
        if reason == "ExpiredProviderToken":
            self._forget_token(token)
        raise _error(response, reason)

    async def _post(self, device_token: str, payload: bytes, headers: dict[str, str]) -> httpx.Response:
        if not device_token or not all(char in "0123456789abcdefABCDEF" for char in device_token):
            raise ProviderError(
                "the APNs device token is malformed", permanent=True, code="BadDeviceToken", recipient_gone=True
            )
        url = f"{self._settings.base_url}/3/device/{device_token}"
        try:
            return await self._http().post(url, content=payload, headers=headers)
        except httpx.TimeoutException:
            raise ProviderError("APNs timed out", permanent=False, code="timeout") from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"APNs is unreachable ({type(exc).__name__})", permanent=False, code="unreachable"
            ) from None

    async def check_health(self) -> HealthCheck:
        """Pushes to a device token no device holds (all zeros): APNs checks the provider token first, so
        ``BadDeviceToken`` proves the signing key, team and topic work, and nothing reaches anyone."""
        message = _health_probe()
        token = self._provider_token()
        headers = self._headers(message, token)
        try:
            response = await self._post(
                message.recipient.address, apns_payload(message, critical_alerts_entitled=False), headers
            )
        except ProviderError as exc:
            return HealthCheck(ok=False, detail=str(exc))
        reason = _reason(response) if response.status_code != 200 else "accepted"
        if reason in ("accepted", "BadDeviceToken"):
            return HealthCheck(ok=True, detail=f"APNs {self._settings.environment} accepts the provider token")
        if reason == "ExpiredProviderToken":
            self._forget_token(token)
        return HealthCheck(ok=False, detail=str(_error(response, reason)))


def _health_probe() -> OutboundMessage:
    return OutboundMessage(
        id=uuid4(),
        organization_id=UUID(int=0),
        recipient=Recipient(NotificationChannel.APNS, HEALTH_PROBE_DEVICE),
        purpose=NotificationPurpose.TEST,
        title="Health check",
        body="",
    )


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    reason = body.get("reason") if isinstance(body, dict) else None
    return str(reason)[:64] if reason else f"http_{response.status_code}"


def _error(response: httpx.Response, reason: str) -> ProviderError:
    status = response.status_code
    said = f"APNs answered {status} {reason}"
    if reason in GONE_REASONS or status == 410:
        return ProviderError(said, permanent=True, code=reason, recipient_gone=True)
    if reason == "ExpiredProviderToken":
        return ProviderError(f"{said}: a new provider token goes with the retry", permanent=False, code=reason)
    if reason in PROVIDER_REASONS or status == 429 or status >= 500:
        # A refused signing key or team fails every send until an admin fixes it: transient, so the provider's
        # circuit breaker opens and the next provider or channel takes over meanwhile.
        return ProviderError(
            said, permanent=False, code=reason, retry_after=retry_after_seconds(response.headers.get("retry-after"))
        )
    return ProviderError(said, permanent=True, code=reason)


def build(config: AdapterConfig) -> ApnsAdapter:
    return ApnsAdapter(config)


ADAPTERS.register(
    AdapterSpec(
        kind="apns",
        channels=frozenset({NotificationChannel.APNS}),
        settings_model=ApnsSettings,
        secrets_model=ApnsSecrets,
        build=build,
    )
)
