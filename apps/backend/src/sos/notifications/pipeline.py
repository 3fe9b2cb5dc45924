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

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update

from sos.contacts.models import ContactMethod
from sos.core.db import utcnow
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.jobs import backoff_with_jitter
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.notifications import claims, sending
from sos.notifications.claims import CONTACTS, NOTIFICATIONS, Claim, Unusable
from sos.notifications.domain import MAX_DELIVERY_ROUNDS, NotificationPurpose, NotificationStatus
from sos.notifications.events import notification_event
from sos.notifications.models import Notification, NotificationAttempt
from sos.notifications.sending import AttemptRecord, SendOutcome
from sos.providers.channels.base import SendResult
from sos.providers.domain import LoadedProvider
from sos.providers.runtime import DeliveryRuntime

OPTED_OUT_CODES = frozenset({"21610"})
"""Provider error codes meaning the person opted out at the carrier (STOP): a START reply turns the number back on."""


async def deliver_external(uow_factory: UnitOfWorkFactory, notification_id: UUID) -> None:
    runtime = DeliveryRuntime.of(uow_factory.engine)
    claimed = await claims.claim(uow_factory(), runtime, notification_id)
    if isinstance(claimed, Unusable):
        await _fail_unusable(uow_factory(), claimed)
    elif claimed is not None:
        outcome = await sending.send(runtime, claimed)
        await _record(uow_factory(), claimed, outcome)


def event_of(event_type: str, row: Any, address: str, **payload: Any) -> DomainEvent:
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
        address=address,
        **payload,
    )


async def _insert_attempts(uow: UnitOfWork, rows: list[Any], attempts: list[AttemptRecord]) -> None:
    values = [
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
        for row in rows
        for record in attempts
    ]
    if values:
        await uow.connection.execute(insert(NotificationAttempt), values)


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
            update(NOTIFICATIONS).where(Notification.id == following.id).values(due_at=now, enqueued_at=None)
        )


async def fail_rows(uow: UnitOfWork, rows: list[Any], address: str, error: str, **payload: Any) -> None:
    """Fails the rows for good, records why, and brings each user's next rule step forward."""
    now = utcnow()
    await uow.connection.execute(
        update(NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(status=NotificationStatus.FAILED, lease_until=None, last_error=error[:500])
    )
    await claims.redact_codes(uow, rows)
    for row in rows:
        uow.record(event_of("failed", row, address, error=error[:500], **payload))
        if row.purpose == NotificationPurpose.PAGE:
            await bring_next_step_forward(uow, row, now)


async def _fail_unusable(uow: UnitOfWork, unusable: Unusable) -> None:
    async with uow:
        row = (
            await uow.connection.execute(
                select(NOTIFICATIONS).where(Notification.id == unusable.row.id).with_for_update()
            )
        ).first()
        if row is None or row.status != NotificationStatus.PENDING:
            return
        await fail_rows(uow, [row], "…", unusable.reason, attempt=max(row.attempts, 1), provider=None)
        await uow.commit()


async def _stop_using_contact(uow: UnitOfWork, claim: Claim, reason: str, code: str | None) -> None:
    from sos.contacts.events import contact_method_event

    lead = claim.lead
    opted_out = code in OPTED_OUT_CODES
    column = ContactMethod.opted_out_at if opted_out else ContactMethod.disabled_at
    changes: dict[str, Any] = (
        {"opted_out_at": utcnow()}
        if opted_out
        else {
            "disabled_at": utcnow(),
            "disabled_reason": reason[:200],
        }
    )
    result = await uow.connection.execute(
        update(CONTACTS).where(ContactMethod.id == lead.contact_method_id, column.is_(None)).values(changes)
    )
    if result.rowcount:
        payload: dict[str, Any] = {} if opted_out else {"reason": reason[:200]}
        uow.record(
            contact_method_event(
                "opted_out" if opted_out else "disabled",
                contact_method_id=lead.contact_method_id,
                organization_id=lead.organization_id,
                actor_id=None,
                user_id=lead.user_id,
                channel=lead.channel,
                **payload,
            )
        )


async def _held(uow: UnitOfWork, claim: Claim) -> list[Any]:
    """The claimed rows this job still holds: a row whose lease ran out may have gone to another job since."""
    rows = await uow.connection.execute(
        select(NOTIFICATIONS)
        .where(
            Notification.id.in_([row.id for row in claim.rows]),
            Notification.status == NotificationStatus.SENDING,
            Notification.claim_id == claim.claim_id,
        )
        .with_for_update()
    )
    return list(rows)


async def _succeeded(
    uow: UnitOfWork, claim: Claim, rows: list[Any], outcome: SendOutcome, result: SendResult, provider: LoadedProvider
) -> None:
    now = utcnow()
    delivered = result.delivered
    tried = len(outcome.attempts)
    await uow.connection.execute(
        update(NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(
            status=NotificationStatus.DELIVERED if delivered else NotificationStatus.SENT,
            sent_at=now,
            delivered_at=now if delivered else None,
            lease_until=None,
            attempts=Notification.attempts + tried,
        )
    )
    await claims.redact_codes(uow, rows)
    for row in rows:
        common = {
            "attempt": row.attempts + tried,
            "provider": provider.kind,
            "provider_message_id": result.provider_message_id,
            "bundle_size": len(claim.rows),
        }
        uow.record(event_of("sent", row, claim.address_shown, **common))
        if delivered:
            uow.record(event_of("delivered", row, claim.address_shown, **common))


async def _retry_later(uow: UnitOfWork, rows: list[Any], outcome: SendOutcome, now: datetime) -> None:
    rounds = rows[0].rounds
    delay = max(outcome.retry_after or 0.0, backoff_with_jitter(rounds, base=2.0, cap=60.0))
    last_error = next((a.error for a in reversed(outcome.attempts) if a.error), None)
    await uow.connection.execute(
        update(NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(
            status=NotificationStatus.PENDING,
            due_at=now + timedelta(seconds=delay),
            enqueued_at=None,
            lease_until=None,
            rounds=Notification.rounds + 1,
            attempts=Notification.attempts + len(outcome.attempts),
            last_error=(last_error or "every provider was skipped (circuit open or rate limited)")[:500],
        )
    )


async def _record(uow: UnitOfWork, claim: Claim, outcome: SendOutcome) -> None:
    now = utcnow()
    async with uow:
        await _insert_attempts(uow, claim.rows, outcome.attempts)
        rows = await _held(uow, claim)
        if not rows:
            await uow.commit()
            return
        if outcome.result is not None and outcome.provider is not None:
            await _succeeded(uow, claim, rows, outcome, outcome.result, outcome.provider)
        elif outcome.retryable and not outcome.recipient_gone and rows[0].rounds + 1 < MAX_DELIVERY_ROUNDS:
            await _retry_later(uow, rows, outcome, now)
        else:
            if outcome.recipient_gone:
                await _stop_using_contact(uow, claim, outcome.recipient_gone, outcome.gone_code)
            last_error = next((a.error for a in reversed(outcome.attempts) if a.error), None)
            error = outcome.recipient_gone or last_error or "no provider is configured for this channel"
            await uow.connection.execute(
                update(NOTIFICATIONS)
                .where(Notification.id.in_([row.id for row in rows]))
                .values(attempts=Notification.attempts + len(outcome.attempts))
            )
            provider = outcome.attempts[-1].provider.kind if outcome.attempts else None
            for row in rows:
                await fail_rows(
                    uow,
                    [row],
                    claim.address_shown,
                    error,
                    attempt=max(row.attempts + len(outcome.attempts), 1),
                    provider=provider,
                )
        await uow.commit()
