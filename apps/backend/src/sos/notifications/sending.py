"""Phase 2 of a delivery: try the channel's providers in failover order, outside any transaction."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, UUID, uuid5

from sos.core.db import utcnow
from sos.notifications import ack
from sos.notifications.claims import Claim
from sos.notifications.domain import (
    CHAT_CHANNELS,
    PUSH_CHANNELS,
    AttemptStatus,
    NotificationChannel,
    NotificationPurpose,
    Urgency,
)
from sos.providers.channels.base import OutboundMessage, ProviderError, SendResult
from sos.providers.domain import LoadedProvider
from sos.providers.runtime import DeliveryRuntime, ProviderTimeout

logger = logging.getLogger("sos.notifications")

MAX_RETRY_AFTER_SECONDS = 60.0
"""A provider asking to wait longer than this does not hold an emergency page: the round ends and may fail over."""

_ACK_VIA = {
    NotificationChannel.EMAIL: "email",
    **dict.fromkeys(CHAT_CHANNELS, "chat"),
    **dict.fromkeys(PUSH_CHANNELS, "push"),
}
"""How the timeline names a click on an acknowledge link from each channel."""
_BUNDLE_NAMESPACE = uuid5(NAMESPACE_URL, "https://sos-platform.dev/notification-bundles")


@dataclass(slots=True)
class AttemptRecord:
    provider: LoadedProvider
    status: AttemptStatus
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    provider_message_id: str | None = None
    error: str | None = None
    error_code: str | None = None
    permanent: bool = False


@dataclass(slots=True)
class SendOutcome:
    attempts: list[AttemptRecord] = field(default_factory=list)
    result: SendResult | None = None
    provider: LoadedProvider | None = None
    recipient_gone: str | None = None
    gone_code: str | None = None
    retry_after: float | None = None
    retryable: bool = False
    """Some provider failed in a way that a later round might not: a timeout, a 5xx, an open breaker."""


def breaker_key(provider: LoadedProvider, claim: Claim) -> str:
    """An account's breaker is its own; a built-in provider (Web Push, chat webhooks) has one per destination host,
    so one organization's unreachable Mattermost server never holds back another's Slack."""
    if provider.id is not None:
        return provider.key
    return f"{provider.key}:{urlsplit(claim.recipient.address).hostname or '-'}"


def _bundle_text(rows: list[Any], acks: dict[UUID, ack.IssuedAck]) -> tuple[str, str]:
    lines = [f"{row.title} (ACK {acks[row.alert_id].code})" for row in rows if row.alert_id in acks]
    return f"{len(rows)} SOS alerts for you", "; ".join(lines)


def _alert_url(base: str, claim: Claim) -> str | None:
    """The alert in the console; a bundle of several links to the list of alerts."""
    if len(claim.rows) > 1:
        return f"{base}/alerts/"
    return f"{base}/alerts/view/?id={claim.lead.alert_id}" if claim.lead.alert_id else None


def _message_id(claim: Claim) -> UUID:
    """The lead's id, or for a bundle an id of its exact membership: a provider that dedups by this id never
    mistakes a bigger bundle for a retry of a smaller one."""
    if len(claim.rows) == 1:
        return UUID(str(claim.lead.id))
    return uuid5(_BUNDLE_NAMESPACE, ",".join(sorted(str(row.id) for row in claim.rows)))


def message_for(runtime: DeliveryRuntime, claim: Claim, provider: LoadedProvider) -> OutboundMessage:
    lead = claim.lead
    base = runtime.settings.external_url
    single = len(claim.rows) == 1
    issued = claim.acks.get(lead.alert_id) if lead.alert_id is not None else None
    title, body = (lead.title, lead.body) if single else _bundle_text(claim.rows, claim.acks)
    hooks = f"{base}/api/v1/webhooks/providers/{provider.id}" if provider.id is not None else None
    ack_url = f"{base}/api/v1/ack/{issued.token}" if issued and single else None
    via = _ACK_VIA.get(NotificationChannel(lead.channel), "link")
    return OutboundMessage(
        id=_message_id(claim),
        organization_id=lead.organization_id,
        recipient=claim.recipient,
        purpose=NotificationPurpose(lead.purpose),
        title=title,
        body=body,
        critical=lead.urgency == Urgency.CRITICAL,
        alert_id=lead.alert_id,
        alert_url=_alert_url(base, claim),
        ack_url=f"{ack_url}?via={via}" if ack_url else None,
        ack_api_url=f"{ack_url}?via=push" if ack_url else None,
        ack_token=issued.token if issued and single else None,
        ack_code=issued.code if issued and single else None,
        status_callback_url=f"{hooks}/status" if hooks else None,
        voice_gather_url=f"{hooks}/voice?token={issued.token}" if hooks and issued else None,
        bundle_size=len(claim.rows),
    )


async def _try(runtime: DeliveryRuntime, claim: Claim, provider: LoadedProvider, outcome: SendOutcome) -> bool:
    """One attempt through one provider; True when it accepted the message."""
    breaker = runtime.breaker(breaker_key(provider, claim))
    started_at, clock = utcnow(), time.perf_counter()

    def attempt(status: AttemptStatus, **fields: Any) -> None:
        outcome.attempts.append(
            AttemptRecord(
                provider=provider,
                status=status,
                started_at=started_at,
                finished_at=utcnow(),
                duration_ms=int((time.perf_counter() - clock) * 1000),
                **fields,
            )
        )

    try:
        adapter = await runtime.adapter(provider)
        result = await runtime.with_timeout(adapter.send(message_for(runtime, claim, provider)))
    except ProviderError as exc:
        attempt(AttemptStatus.FAILED, error=str(exc)[:500], error_code=exc.code, permanent=exc.permanent)
        if exc.permanent:
            breaker.record_success()  # it answered: the provider is up, this message is what it refused
        else:
            breaker.record_failure()
            outcome.retryable = True
            if exc.retry_after is not None:
                outcome.retry_after = max(outcome.retry_after or 0.0, exc.retry_after)
        if exc.recipient_gone:
            outcome.recipient_gone, outcome.gone_code = str(exc)[:200], exc.code
        return False
    except Exception as exc:
        if not isinstance(exc, ProviderTimeout):
            # The type only: an exception's text may hold an address, and its traceback the message.
            logger.error("provider %s (%s) raised %s", provider.name, provider.kind, type(exc).__name__)
        code = "timeout" if isinstance(exc, ProviderTimeout) else "unexpected"
        attempt(AttemptStatus.FAILED, error=runtime.safe_error(exc), error_code=code)
        breaker.record_failure()
        outcome.retryable = True
        return False
    attempt(AttemptStatus.SUCCEEDED, provider_message_id=result.provider_message_id)
    breaker.record_success()
    outcome.result, outcome.provider = result, provider
    return True


async def send(runtime: DeliveryRuntime, claim: Claim) -> SendOutcome:
    outcome = SendOutcome()
    for provider in claim.providers:
        # The rate limit first: a spent budget must not take the one trial a half-open breaker allows.
        if not await runtime.limiter.acquire(provider.key, provider.rate_limit_per_second):
            outcome.retryable = True
            outcome.retry_after = max(outcome.retry_after or 0.0, 1.0)
            continue
        if not runtime.breaker(breaker_key(provider, claim)).allow():
            outcome.retryable = True
            continue
        if await _try(runtime, claim, provider, outcome) or outcome.recipient_gone:
            break
    if outcome.retry_after is not None:
        outcome.retry_after = min(outcome.retry_after, MAX_RETRY_AFTER_SECONDS)
    return outcome
