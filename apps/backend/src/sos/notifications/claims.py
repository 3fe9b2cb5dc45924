"""Phase 1 of a delivery: claim a due notification (or an SMS bundle) for one job, or find it is not wanted now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.contacts.events import shown_address
from sos.contacts.models import ContactMethod
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.notifications import ack
from sos.notifications.domain import NotificationChannel, NotificationPurpose, NotificationStatus
from sos.notifications.models import Notification, NotificationAttempt
from sos.providers.channels.base import Recipient
from sos.providers.domain import LoadedProvider, attempt_key
from sos.providers.runtime import DeliveryRuntime
from sos.providers.secrets import UnreadableSecret

NOTIFICATIONS = cast(Table, Notification.__table__)
CONTACTS = cast(Table, ContactMethod.__table__)
LEASE_MARGIN_SECONDS = 30.0
BUNDLE_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Claim:
    claim_id: UUID
    rows: list[Any]
    """The claimed notifications: one, or an SMS bundle (the first is the lead)."""
    recipient: Recipient
    address_shown: str
    acks: dict[UUID, ack.IssuedAck]
    """By alert id."""
    providers: list[LoadedProvider]
    """In failover order, without those that already refused this notification for good."""

    @property
    def lead(self) -> Any:
        return self.rows[0]


@dataclass(frozen=True, slots=True)
class Unusable:
    """The notification cannot go out at all (its address cannot be read): it fails and the next step goes."""

    row: Any
    reason: str


async def _lock(connection: AsyncConnection, notification_id: UUID) -> Any:
    return (
        await connection.execute(select(NOTIFICATIONS).where(Notification.id == notification_id).with_for_update())
    ).first()


async def _contact_method(connection: AsyncConnection, notification_id: UUID) -> Any:
    """The notification's contact method. For an SMS page it is locked, so that concurrent jobs for one phone make
    one bundle; other channels never wait for each other. The lock leaves foreign-key checks alone (FOR NO KEY
    UPDATE), so new notifications to the number are not held up either."""
    method = (
        await connection.execute(
            select(
                CONTACTS,
                Notification.channel.label("notification_channel"),
                Notification.purpose.label("notification_purpose"),
            )
            .join_from(Notification, ContactMethod, Notification.contact_method_id == ContactMethod.id)
            .where(Notification.id == notification_id)
        )
    ).first()
    if method is None or (method.notification_channel, method.notification_purpose) != (
        NotificationChannel.SMS,
        NotificationPurpose.PAGE,
    ):
        return method
    return (
        await connection.execute(select(CONTACTS).where(ContactMethod.id == method.id).with_for_update(key_share=True))
    ).first()


async def cancel(uow: UnitOfWork, rows: Sequence[Any], reason: str) -> None:
    changes: dict[str, Any] = {"status": NotificationStatus.CANCELLED, "last_error": reason[:500], "lease_until": None}
    await uow.connection.execute(
        update(NOTIFICATIONS).where(Notification.id.in_([row.id for row in rows])).values(changes)
    )
    await redact_codes(uow, rows)


async def redact_codes(uow: UnitOfWork, rows: Sequence[Any]) -> None:
    """A verification code has no business in the database once its message is done with, however it ended."""
    codes = [row.id for row in rows if row.purpose == NotificationPurpose.VERIFICATION]
    if codes:
        await uow.connection.execute(
            update(NOTIFICATIONS)
            .where(Notification.id.in_(codes))
            .values(body="(verification code removed once its message was done with)")
        )


async def _wait_until(uow: UnitOfWork, rows: Sequence[Any], due_at: datetime) -> None:
    await uow.connection.execute(
        update(NOTIFICATIONS)
        .where(Notification.id.in_([row.id for row in rows]))
        .values(due_at=due_at, enqueued_at=None)
    )


def _usable(method: Any, purpose: NotificationPurpose) -> str | None:
    """Why the contact method cannot be used now, or None."""
    if method is None:
        return "the contact method was removed"
    if purpose is NotificationPurpose.VERIFICATION:
        return None
    if method.disabled_at is not None:
        return f"the contact method is disabled: {method.disabled_reason or 'no reason given'}"
    if method.opted_out_at is not None:
        return "the number opted out (STOP)"
    if method.verified_at is None:
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
    ends = last + timedelta(seconds=window)
    return ends if ends > now else None


async def _bundle_mates(connection: AsyncConnection, lead: Any, now: datetime) -> list[Any]:
    """Other SMS pages to the same number that are due (they waited out the window), locked for this bundle."""
    rows = await connection.execute(
        select(NOTIFICATIONS)
        .where(
            Notification.contact_method_id == lead.contact_method_id,
            Notification.channel == NotificationChannel.SMS,
            Notification.purpose == NotificationPurpose.PAGE,
            Notification.status == NotificationStatus.PENDING,
            Notification.due_at <= now,
            Notification.id != lead.id,
        )
        .order_by(Notification.due_at, Notification.id)
        .limit(BUNDLE_LIMIT - 1)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


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


async def _refused_by(connection: AsyncConnection, notification_id: UUID) -> set[str]:
    """Providers that refused this notification for good in an earlier round: never tried for it again."""
    rows = await connection.execute(
        select(NotificationAttempt.provider_id, NotificationAttempt.provider_kind).where(
            NotificationAttempt.notification_id == notification_id, NotificationAttempt.permanent.is_(True)
        )
    )
    return {attempt_key(row.provider_id, row.provider_kind) for row in rows}


async def _hold_for_bundle(uow: UnitOfWork, runtime: DeliveryRuntime, lead: Any, now: datetime) -> bool:
    """An SMS page within the bundle window of the last one waits for the window to end."""
    window_end = await _bundle_window_end(uow.connection, runtime, lead.contact_method_id, now)
    if window_end is None:
        return False
    await _wait_until(uow, [lead], window_end)
    return True


async def _issue_acks(uow: UnitOfWork, runtime: DeliveryRuntime, rows: list[Any]) -> dict[UUID, ack.IssuedAck]:
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
    return acks


async def claim(uow: UnitOfWork, runtime: DeliveryRuntime, notification_id: UUID) -> Claim | Unusable | None:
    """Claims the notification for one job, or returns None when there is nothing to send now."""
    from sos.providers.service import enabled_providers

    async with uow:
        method = await _contact_method(uow.connection, notification_id)
        lead = await _lock(uow.connection, notification_id)
        if lead is None or lead.status != NotificationStatus.PENDING:
            return None
        now = utcnow()
        if lead.due_at > now + timedelta(seconds=0.5):
            await _wait_until(uow, [lead], lead.due_at)
            await uow.commit()
            return None
        reason = _usable(method, NotificationPurpose(lead.purpose))
        _, unwanted = await _still_wanted(uow.connection, [lead])
        if method is None or reason is not None or unwanted:
            await cancel(uow, [lead], reason or "the alert no longer needs this page")
            await uow.commit()
            return None
        try:
            recipient = _recipient(method, runtime)
        except UnreadableSecret as exc:
            return Unusable(lead, str(exc))
        rows = [lead]
        is_sms_page = lead.channel == NotificationChannel.SMS and lead.purpose == NotificationPurpose.PAGE
        if is_sms_page:
            if await _hold_for_bundle(uow, runtime, lead, now):
                await uow.commit()
                return None
            mates, gone = await _still_wanted(uow.connection, await _bundle_mates(uow.connection, lead, now))
            if gone:
                await cancel(uow, gone, "the alert no longer needs this page")
            rows += mates
        channel = NotificationChannel(lead.channel)
        configured = await runtime.configured_providers(uow.connection, lead.organization_id, enabled_providers)
        refused = await _refused_by(uow.connection, lead.id)
        providers = [p for p in runtime.providers_for(channel, configured) if attempt_key(p.id, p.kind) not in refused]
        acks = await _issue_acks(uow, runtime, rows)
        claim_id = new_id()
        # Long enough for every provider to time out in turn, so the sweeper never hands a live send to a second job.
        lease = len(providers) * runtime.settings.provider_timeout_seconds + LEASE_MARGIN_SECONDS
        await uow.connection.execute(
            update(NOTIFICATIONS)
            .where(Notification.id.in_([row.id for row in rows]))
            .values(
                status=NotificationStatus.SENDING,
                lease_until=now + timedelta(seconds=lease),
                claim_id=claim_id,
                bundle_id=lead.id if len(rows) > 1 else None,
            )
        )
        await uow.commit()
    return Claim(
        claim_id=claim_id,
        rows=rows,
        recipient=recipient,
        address_shown=shown_address(channel, method.address),
        acks=acks,
        providers=providers,
    )
