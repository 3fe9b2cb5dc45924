"""Delivering one external notification: claim it, send it through the channel's providers, record what happened.

Three short transactions, none held open while a provider is called (SQLite has one writer, and a slow provider
must not hold row locks):

1. **Claim.** Lock the row; give up if it is no longer pending, not yet due, or no longer wanted (the alert was
   acknowledged, the contact method went away). SMS pages to a number that had one within the bundle window wait
   for the window to end, then go out together with everything else waiting for that number. Mark the claimed rows
   ``sending`` under a lease and issue their acknowledgement tokens.
2. **Send.** Try the channel's providers in failover order. An open circuit breaker or a spent rate limit skips a
   provider at once; a timeout or 5xx counts against its breaker; a 4xx is recorded and never retried there.
3. **Record.** Store every attempt with provider, status, message id, error and timings. Success marks the rows
   sent. Transient failure makes them pending again after a backoff (the sweeper re-enqueues them when due). A
   channel given up on fails the rows and brings the user's next rule step forward: failover to the next channel.

A job that dies between 1 and 3 leaves rows ``sending``; the sweeper makes them pending once the lease runs out.
That is the one place a message can go out twice (the provider accepted it, the record was lost).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.contacts.events import shown_address
from sos.contacts.models import ContactMethod
from sos.core.db import utcnow
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.jobs import backoff_with_jitter
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.notifications import ack
from sos.notifications.domain import (
    CHAT_CHANNELS,
    MAX_DELIVERY_ROUNDS,
    PUSH_CHANNELS,
    SENDING_LEASE_SECONDS,
    AttemptStatus,
    NotificationChannel,
    NotificationPurpose,
    NotificationStatus,
    Urgency,
)
from sos.notifications.events import notification_event
from sos.notifications.models import Notification, NotificationAttempt
from sos.providers.channels.base import DeliveryReceipt, OutboundMessage, ProviderError, Recipient, SendResult
from sos.providers.domain import LoadedProvider
from sos.providers.runtime import DeliveryRuntime, ProviderTimeout

logger = logging.getLogger("sos.notifications")

_NOTIFICATIONS = cast(Table, Notification.__table__)
_CONTACTS = cast(Table, ContactMethod.__table__)


@dataclass(frozen=True, slots=True)
class Claim:
    rows: list[Any]
    """The claimed notifications: one, or an SMS bundle (the first is the lead)."""
    recipient: Recipient
    address_shown: str
    acks: dict[UUID, ack.IssuedAck]
    """By alert id."""
    providers: list[LoadedProvider]

    @property
    def lead(self) -> Any:
        return self.rows[0]


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
    retry_after: float | None = None
    retryable: bool = False
    """Some provider failed in a way that a later round might not: a timeout, a 5xx, an open breaker."""


async def deliver_external(uow_factory: UnitOfWorkFactory, notification_id: UUID) -> None:
    runtime = DeliveryRuntime.of(uow_factory.engine)
    claim = await _claim(uow_factory(), runtime, notification_id)
    if claim is None:
        return
    outcome = await _send(runtime, claim)
    await _record(uow_factory(), runtime, claim, outcome)


# --- 1. claim -------------------------------------------------------------------------------------------------------


async def _lock(connection: AsyncConnection, notification_id: UUID) -> Any:
    return (
        await connection.execute(select(_NOTIFICATIONS).where(Notification.id == notification_id).with_for_update())
    ).first()


async def _cancel(uow: UnitOfWork, rows: Sequence[Any], reason: str) -> None:
    await uow.connection.execute(
        update(_NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(status=NotificationStatus.CANCELLED, last_error=reason[:500], lease_until=None)
    )


async def _wait_until(uow: UnitOfWork, rows: Sequence[Any], due_at: datetime) -> None:
    await uow.connection.execute(
        update(_NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(due_at=due_at, enqueued_at=None)
    )


def _usable(method: Any, purpose: NotificationPurpose) -> str | None:
    """Why the contact method cannot be used now, or None."""
    if method is None:
        return "the contact method was removed"
    if method.disabled_at is not None:
        return f"the contact method is disabled: {method.disabled_reason or 'no reason given'}"
    if method.opted_out_at is not None and purpose is not NotificationPurpose.VERIFICATION:
        return "the number opted out (STOP)"
    if method.verified_at is None and purpose is not NotificationPurpose.VERIFICATION:
        return "the contact method is not verified"
    return None


async def _bundle_window_end(
    connection: AsyncConnection, runtime: DeliveryRuntime, method_id: UUID, now: datetime
) -> datetime | None:
    """When the bundle window of the last SMS page to this contact method ends, if it has not yet."""
    window = runtime.settings.sms_bundle_window_seconds
    if window <= 0:
        return None
    last = await connection.scalar(
        select(Notification.sent_at)
        .where(
            Notification.contact_method_id == method_id,
            Notification.channel == NotificationChannel.SMS,
            Notification.purpose == NotificationPurpose.PAGE,
            Notification.sent_at.is_not(None),
        )
        .order_by(Notification.sent_at.desc())
        .limit(1)
    )
    if last is None:
        return None
    ends = _aware(last) + timedelta(seconds=window)
    return ends if ends > now else None


async def _bundle_mates(connection: AsyncConnection, lead: Any, now: datetime) -> list[Any]:
    """Other SMS pages to the same number that are due (they waited out the window), locked for this bundle."""
    rows = await connection.execute(
        select(_NOTIFICATIONS)
        .where(
            Notification.contact_method_id == lead.contact_method_id,
            Notification.channel == NotificationChannel.SMS,
            Notification.purpose == NotificationPurpose.PAGE,
            Notification.status == NotificationStatus.PENDING,
            Notification.due_at <= now,
            Notification.id != lead.id,
        )
        .order_by(Notification.due_at, Notification.id)
        .limit(20)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _recipient(method: Any, runtime: DeliveryRuntime) -> Recipient:
    channel = NotificationChannel(method.channel)
    if method.secret:
        opened = runtime.box.open(method.secret)
        return Recipient(channel, str(opened["address"]), dict(opened.get("keys") or {}))
    return Recipient(channel, method.address)


async def _still_wanted(connection: AsyncConnection, rows: list[Any]) -> tuple[list[Any], list[Any]]:
    wanted, unwanted = [], []
    for row in rows:
        if (
            row.purpose != NotificationPurpose.PAGE
            or row.alert_id is None
            or await ack.alert_is_awaiting(connection, row.alert_id, row.kind)
        ):
            wanted.append(row)
        else:
            unwanted.append(row)
    return wanted, unwanted


async def _claim(uow: UnitOfWork, runtime: DeliveryRuntime, notification_id: UUID) -> Claim | None:
    from sos.providers.service import enabled_providers

    async with uow:
        method_id = await uow.connection.scalar(
            select(Notification.contact_method_id).where(Notification.id == notification_id)
        )
        if method_id is not None:
            # One claim per contact method at a time, so concurrent jobs for one phone make one SMS bundle.
            await uow.connection.execute(
                select(ContactMethod.id).where(ContactMethod.id == method_id).with_for_update()
            )
        lead = await _lock(uow.connection, notification_id)
        if lead is None or lead.status != NotificationStatus.PENDING:
            return None
        now = utcnow()
        if _aware(lead.due_at) > now + timedelta(seconds=0.5):
            await _wait_until(uow, [lead], lead.due_at)
            await uow.commit()
            return None
        method = (
            await uow.connection.execute(select(_CONTACTS).where(ContactMethod.id == lead.contact_method_id))
        ).first()
        reason = _usable(method, NotificationPurpose(lead.purpose))
        _, unwanted = await _still_wanted(uow.connection, [lead])
        if method is None or reason is not None or unwanted:
            await _cancel(uow, [lead], reason or "the alert no longer needs this page")
            await uow.commit()
            return None
        rows = [lead]
        if lead.channel == NotificationChannel.SMS and lead.purpose == NotificationPurpose.PAGE:
            window_end = await _bundle_window_end(uow.connection, runtime, lead.contact_method_id, now)
            if window_end is not None:
                await _wait_until(uow, [lead], window_end)
                await uow.commit()
                return None
            mates, gone = await _still_wanted(uow.connection, await _bundle_mates(uow.connection, lead, now))
            if gone:
                await _cancel(uow, gone, "the alert no longer needs this page")
            rows += mates
        acks: dict[UUID, ack.IssuedAck] = {}
        for row in rows:
            if row.purpose == NotificationPurpose.PAGE and row.alert_id is not None and row.alert_id not in acks:
                acks[row.alert_id] = await ack.issue(
                    uow.connection,
                    runtime.box,
                    organization_id=row.organization_id,
                    user_id=row.user_id,
                    alert_id=row.alert_id,
                    notification_id=row.id,
                )
        await uow.connection.execute(
            update(_NOTIFICATIONS)
            .where(Notification.id.in_([row.id for row in rows]))
            .values(
                status=NotificationStatus.SENDING,
                lease_until=now + timedelta(seconds=SENDING_LEASE_SECONDS),
                bundle_id=lead.id if len(rows) > 1 else None,
            )
        )
        configured = await runtime.configured_providers(uow.connection, lead.organization_id, enabled_providers)
        await uow.commit()
    channel = NotificationChannel(lead.channel)
    return Claim(
        rows=rows,
        recipient=_recipient(method, runtime),
        address_shown=shown_address(channel, method.address),
        acks=acks,
        providers=runtime.providers_for(channel, configured),
    )


_ACK_VIA = {
    NotificationChannel.EMAIL: "email",
    **dict.fromkeys(CHAT_CHANNELS, "chat"),
    **dict.fromkeys(PUSH_CHANNELS, "push"),
}
"""How the timeline names a click on an acknowledge link from each channel."""

# --- 2. send --------------------------------------------------------------------------------------------------------


def _bundle_text(rows: list[Any], acks: dict[UUID, ack.IssuedAck]) -> tuple[str, str]:
    lines = [f"{row.title} (ACK {acks[row.alert_id].code})" for row in rows if row.alert_id in acks]
    return f"{len(rows)} SOS alerts for you", "; ".join(lines)


def _alert_url(base: str, claim: Claim) -> str | None:
    """The alert in the console; a bundle of several links to the list of alerts."""
    if len(claim.rows) > 1:
        return f"{base}/alerts"
    return f"{base}/alerts/view?id={claim.lead.alert_id}" if claim.lead.alert_id else None


def _message(runtime: DeliveryRuntime, claim: Claim, provider: LoadedProvider) -> OutboundMessage:
    lead = claim.lead
    base = runtime.settings.external_url
    issued = claim.acks.get(lead.alert_id) if lead.alert_id is not None else None
    title, body = (lead.title, lead.body) if len(claim.rows) == 1 else _bundle_text(claim.rows, claim.acks)
    hooks = f"{base}/api/v1/webhooks/providers/{provider.id}" if provider.id is not None else None
    ack_url = f"{base}/api/v1/ack/{issued.token}" if issued else None
    via = _ACK_VIA.get(NotificationChannel(lead.channel), "link")
    return OutboundMessage(
        id=lead.id,
        organization_id=lead.organization_id,
        recipient=claim.recipient,
        purpose=NotificationPurpose(lead.purpose),
        title=title,
        body=body,
        critical=lead.urgency == Urgency.CRITICAL,
        alert_id=lead.alert_id,
        alert_url=_alert_url(base, claim),
        ack_url=f"{ack_url}?via={via}" if ack_url and len(claim.rows) == 1 else None,
        ack_api_url=f"{ack_url}?via=push" if ack_url and len(claim.rows) == 1 else None,
        ack_token=issued.token if issued and len(claim.rows) == 1 else None,
        ack_code=issued.code if issued and len(claim.rows) == 1 else None,
        status_callback_url=f"{hooks}/status" if hooks else None,
        voice_gather_url=f"{hooks}/voice?token={issued.token}" if hooks and issued else None,
        bundle_size=len(claim.rows),
    )


async def _try(runtime: DeliveryRuntime, claim: Claim, provider: LoadedProvider, outcome: SendOutcome) -> bool:
    """One attempt through one provider; True when it accepted the message."""
    breaker = runtime.breaker(provider.key)
    started_at, clock = utcnow(), time.perf_counter()

    def attempt(status: AttemptStatus, **fields: Any) -> AttemptRecord:
        record = AttemptRecord(
            provider=provider,
            status=status,
            started_at=started_at,
            finished_at=utcnow(),
            duration_ms=int((time.perf_counter() - clock) * 1000),
            **fields,
        )
        outcome.attempts.append(record)
        return record

    try:
        adapter = await runtime.adapter(provider)
        result = await runtime.with_timeout(adapter.send(_message(runtime, claim, provider)))
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
            outcome.recipient_gone = str(exc)[:200]
        return False
    except Exception as exc:
        if not isinstance(exc, ProviderTimeout):
            logger.exception("provider %s (%s) raised unexpectedly", provider.name, provider.kind)
        attempt(
            AttemptStatus.FAILED,
            error=runtime.safe_error(exc),
            error_code="timeout" if isinstance(exc, ProviderTimeout) else "unexpected",
        )
        breaker.record_failure()
        outcome.retryable = True
        return False
    attempt(AttemptStatus.SUCCEEDED, provider_message_id=result.provider_message_id)
    breaker.record_success()
    outcome.result, outcome.provider = result, provider
    return True


async def _send(runtime: DeliveryRuntime, claim: Claim) -> SendOutcome:
    outcome = SendOutcome()
    for provider in claim.providers:
        if not runtime.breaker(provider.key).allow():
            outcome.retryable = True
            continue
        if not await runtime.limiter.acquire(provider.key, provider.rate_limit_per_second):
            outcome.retryable = True
            outcome.retry_after = max(outcome.retry_after or 0.0, 1.0)
            continue
        if await _try(runtime, claim, provider, outcome) or outcome.recipient_gone:
            break
    return outcome


# --- 3. record ------------------------------------------------------------------------------------------------------


def _event(event_type: str, row: Any, claim: Claim, **payload: Any) -> DomainEvent:
    return notification_event(
        event_type,
        notification_id=row.id,
        organization_id=row.organization_id,
        actor_id=None,
        alert_id=row.alert_id,
        user_id=row.user_id,
        channel=row.channel,
        kind=row.kind,
        purpose=row.purpose,
        address=claim.address_shown,
        **payload,
    )


async def _insert_attempts(uow: UnitOfWork, claim: Claim, attempts: list[AttemptRecord]) -> None:
    rows = [
        {
            "id": new_id(),
            "notification_id": row.id,
            "channel": row.channel,
            "provider_id": record.provider.id,
            "provider_kind": record.provider.kind,
            "provider_message_id": record.provider_message_id,
            "status": record.status,
            "error": record.error,
            "error_code": record.error_code,
            "permanent": record.permanent,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "duration_ms": record.duration_ms,
            "delivered_at": None,
            "receipt": None,
        }
        for row in claim.rows
        for record in attempts
    ]
    if rows:
        await uow.connection.execute(insert(NotificationAttempt), rows)


async def bring_next_step_forward(uow: UnitOfWork, row: Any, now: datetime) -> None:
    """Failover to the next channel: the user's next rule step for the same page goes out now."""
    following = (
        await uow.connection.execute(
            select(Notification.id)
            .where(
                Notification.organization_id == row.organization_id,
                Notification.user_id == row.user_id,
                Notification.alert_id == row.alert_id,
                Notification.kind == row.kind,
                Notification.purpose == NotificationPurpose.PAGE,
                Notification.step > row.step,
                Notification.status == NotificationStatus.PENDING,
                Notification.due_at > now,
            )
            .order_by(Notification.step)
            .limit(1)
        )
    ).first()
    if following is not None:
        await uow.connection.execute(
            update(_NOTIFICATIONS).where(Notification.id == following.id).values(due_at=now, enqueued_at=None)
        )


async def _disable_contact(uow: UnitOfWork, claim: Claim, reason: str) -> None:
    from sos.contacts.events import contact_method_event

    lead = claim.lead
    await uow.connection.execute(
        update(_CONTACTS)
        .where(ContactMethod.id == lead.contact_method_id, ContactMethod.disabled_at.is_(None))
        .values(disabled_at=utcnow(), disabled_reason=reason[:200])
    )
    uow.record(
        contact_method_event(
            "disabled",
            contact_method_id=lead.contact_method_id,
            organization_id=lead.organization_id,
            actor_id=None,
            user_id=lead.user_id,
            channel=lead.channel,
            reason=reason[:200],
        )
    )


async def _record(uow: UnitOfWork, runtime: DeliveryRuntime, claim: Claim, outcome: SendOutcome) -> None:
    now = utcnow()
    ids = [row.id for row in claim.rows]
    async with uow:
        await _insert_attempts(uow, claim, outcome.attempts)
        tried = len(outcome.attempts)
        last_error = next((a.error for a in reversed(outcome.attempts) if a.error), None)
        if outcome.result is not None and outcome.provider is not None:
            delivered = outcome.result.delivered
            changes: dict[str, Any] = {
                "status": NotificationStatus.DELIVERED if delivered else NotificationStatus.SENT,
                "sent_at": now,
                "delivered_at": now if delivered else None,
                "lease_until": None,
                "attempts": Notification.attempts + tried,
            }
            if claim.lead.purpose == NotificationPurpose.VERIFICATION:
                changes["body"] = "(verification code removed after sending)"
            await uow.connection.execute(update(_NOTIFICATIONS).where(Notification.id.in_(ids)).values(changes))
            for row in claim.rows:
                common = {
                    "attempt": row.attempts + tried,
                    "provider": outcome.provider.kind,
                    "provider_message_id": outcome.result.provider_message_id,
                    "bundle_size": len(claim.rows),
                }
                uow.record(_event("sent", row, claim, **common))
                if delivered:
                    uow.record(_event("delivered", row, claim, **common))
        elif outcome.retryable and not outcome.recipient_gone and claim.lead.rounds + 1 < MAX_DELIVERY_ROUNDS:
            delay = max(outcome.retry_after or 0.0, backoff_with_jitter(claim.lead.rounds, base=2.0, cap=60.0))
            await uow.connection.execute(
                update(_NOTIFICATIONS)
                .where(Notification.id.in_(ids))
                .values(
                    status=NotificationStatus.PENDING,
                    due_at=now + timedelta(seconds=delay),
                    enqueued_at=None,
                    lease_until=None,
                    rounds=Notification.rounds + 1,
                    attempts=Notification.attempts + tried,
                    last_error=(last_error or "every provider was skipped (circuit open or rate limited)")[:500],
                )
            )
        else:
            error = outcome.recipient_gone or last_error or "no provider is configured for this channel"
            await uow.connection.execute(
                update(_NOTIFICATIONS)
                .where(Notification.id.in_(ids))
                .values(
                    status=NotificationStatus.FAILED,
                    lease_until=None,
                    attempts=Notification.attempts + tried,
                    last_error=error[:500],
                )
            )
            if outcome.recipient_gone:
                await _disable_contact(uow, claim, outcome.recipient_gone)
            for row in claim.rows:
                uow.record(
                    _event(
                        "failed",
                        row,
                        claim,
                        attempt=max(row.attempts + tried, 1),
                        error=error[:500],
                        provider=outcome.attempts[-1].provider.kind if outcome.attempts else None,
                    )
                )
                if row.purpose == NotificationPurpose.PAGE:
                    await bring_next_step_forward(uow, row, now)
        await uow.commit()


async def record_receipt(uow: UnitOfWork, provider_id: UUID, receipt: DeliveryReceipt) -> bool:
    """A provider's delivery receipt: the matching attempts and notifications become delivered, or failed (and
    the user's next channel goes out now)."""
    async with uow:
        attempts = list(
            await uow.connection.execute(
                select(NotificationAttempt.id, NotificationAttempt.notification_id)
                .where(
                    NotificationAttempt.provider_id == provider_id,
                    NotificationAttempt.provider_message_id == receipt.provider_message_id,
                    NotificationAttempt.status != AttemptStatus.FAILED,
                )
                .with_for_update()
            )
        )
        if not attempts:
            return False
        if not receipt.delivered and not receipt.failed:
            await uow.connection.execute(
                update(NotificationAttempt)
                .where(NotificationAttempt.id.in_([a.id for a in attempts]))
                .values(receipt=dict(receipt.raw))
            )
            await uow.commit()
            return True
        now = utcnow()
        await uow.connection.execute(
            update(NotificationAttempt)
            .where(NotificationAttempt.id.in_([a.id for a in attempts]))
            .values(
                status=AttemptStatus.DELIVERED if receipt.delivered else AttemptStatus.FAILED,
                delivered_at=now if receipt.delivered else None,
                error=None if receipt.delivered else f"the provider reported it undelivered ({receipt.error_code})",
                error_code=receipt.error_code,
                receipt=dict(receipt.raw),
            )
        )
        rows = list(
            await uow.connection.execute(
                select(_NOTIFICATIONS)
                .where(
                    Notification.id.in_([a.notification_id for a in attempts]),
                    Notification.status == NotificationStatus.SENT,
                )
                .with_for_update()
            )
        )
        for row in rows:
            method = (
                await uow.connection.execute(select(_CONTACTS).where(ContactMethod.id == row.contact_method_id))
            ).first()
            channel = NotificationChannel(row.channel)
            shown = shown_address(channel, method.address) if method else "…"
            claim = Claim([row], Recipient(channel, ""), shown, {}, [])
            provider_kind = await uow.connection.scalar(
                select(NotificationAttempt.provider_kind).where(NotificationAttempt.id == attempts[0].id)
            )
            common = {"attempt": max(row.attempts, 1), "provider": provider_kind}
            if receipt.delivered:
                await uow.connection.execute(
                    update(_NOTIFICATIONS)
                    .where(Notification.id == row.id)
                    .values(status=NotificationStatus.DELIVERED, delivered_at=now)
                )
                uow.record(_event("delivered", row, claim, provider_message_id=receipt.provider_message_id, **common))
            else:
                error = f"the provider reported it undelivered ({receipt.error_code or 'no code'})"
                await uow.connection.execute(
                    update(_NOTIFICATIONS)
                    .where(Notification.id == row.id)
                    .values(status=NotificationStatus.FAILED, last_error=error)
                )
                uow.record(_event("failed", row, claim, error=error, **common))
                if row.purpose == NotificationPurpose.PAGE:
                    await bring_next_step_forward(uow, row, now)
        await uow.commit()
    return True
