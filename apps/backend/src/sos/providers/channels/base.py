"""The interface every delivery provider adapter implements, and the values that cross it.

An adapter turns one :class:`OutboundMessage` into one provider request. It raises :class:`ProviderError` for every
failure, saying whether retrying on the same provider could help; the pipeline records each attempt, retries with
backoff, fails over to the next provider or channel, and keeps the circuit breaker and rate limit of each provider.
Adapters never log secrets or full addresses, and never put them in an error message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict

from sos.notifications.domain import NotificationChannel, NotificationPurpose


@dataclass(frozen=True, slots=True)
class Recipient:
    channel: NotificationChannel
    address: str
    """The email address, E.164 number, push endpoint or device token, or chat webhook URL, in full."""
    keys: Mapping[str, str] = field(default_factory=dict)
    """A Web Push subscription's ``p256dh`` and ``auth`` keys; empty for other channels."""


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    id: UUID
    """The notification (the first of a bundle); providers that take an idempotency or collapse id get this."""
    organization_id: UUID
    recipient: Recipient
    purpose: NotificationPurpose
    title: str
    body: str
    """Plain text; adapters shorten it to what their channel carries."""
    critical: bool = False
    alert_id: UUID | None = None
    alert_url: str | None = None
    """The alert in the web console: the deep link of a push, the "Open" link of an email."""
    ack_url: str | None = None
    """A page that acknowledges the alert with one click, for email and chat; it needs no sign-in."""
    ack_api_url: str | None = None
    """``POST`` here acknowledges (a push's Acknowledge action); the token is in the URL."""
    ack_token: str | None = None
    ack_code: str | None = None
    """The short code an SMS reply ``ACK <code>`` names; a bare ``1`` acknowledges the latest alert sent."""
    status_callback_url: str | None = None
    """Where the provider should post delivery receipts, when it supports them."""
    voice_gather_url: str | None = None
    """Where a voice call posts the digit pressed; pressing 1 acknowledges."""
    bundle_size: int = 1
    """How many alerts this one message stands for (SMS bundles many alerts of a burst into one)."""


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_message_id: str | None
    delivered: bool = False
    """True when the provider confirms delivery in its response; otherwise a receipt may follow."""


class ProviderError(Exception):
    """A failed send. ``permanent`` (a 4xx, a refused recipient) is never retried on the same provider."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: str | None = None,
        retry_after: float | None = None,
        recipient_gone: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after
        self.recipient_gone = recipient_gone
        """The address is dead for good (an unregistered push token, an expired subscription): stop using it."""


@dataclass(frozen=True, slots=True)
class HealthCheck:
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """A provider's status callback, parsed: which message, and whether it reached the handset or failed."""

    provider_message_id: str
    delivered: bool
    failed: bool
    error_code: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)


class ChannelAdapter(Protocol):
    async def send(self, message: OutboundMessage) -> SendResult: ...

    async def check_health(self) -> HealthCheck:
        """A cheap call proving the provider is reachable and the credentials work, without sending anything."""
        ...


class AdapterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoSecrets(AdapterSettings):
    pass


@dataclass(frozen=True, slots=True)
class InstallContext:
    public_url: str
    """The install's external base URL, such as ``https://sos.example.org``; links and webhooks start with it."""
    vapid_private_key_pem: str | None = None
    vapid_public_key: str | None = None
    """The install's own VAPID key pair (base64url public key), made on first use."""
    vapid_subject: str = "mailto:admin@localhost"


@dataclass(frozen=True, slots=True)
class AdapterConfig:
    provider_id: UUID | None
    """None for the built-in providers (Web Push and chat) and the install-wide SMTP server."""
    name: str
    settings: AdapterSettings
    secrets: AdapterSettings
    http: httpx.AsyncClient
    install: InstallContext


AdapterFactory = Callable[[AdapterConfig], ChannelAdapter]
