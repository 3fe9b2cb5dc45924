"""Delivery receipts: a provider's status callback says a message reached the handset, or that it never will."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from sqlalchemy import select, update

from sos.contacts.events import shown_address
from sos.contacts.models import ContactMethod
from sos.core.db import utcnow
from sos.core.uow import UnitOfWork
from sos.notifications.claims import CONTACTS, NOTIFICATIONS
from sos.notifications.domain import AttemptStatus, NotificationChannel, NotificationStatus
from sos.notifications.models import Notification, NotificationAttempt
from sos.notifications.pipeline import event_of, fail_rows
from sos.providers.channels.base import DeliveryReceipt

EARLY_RECEIPT_WAIT_SECONDS = (0.25, 0.5, 1.0, 2.0)
"""A receipt can beat the record of the send it is about (a fast gateway): look again a few times before giving up."""


async def _matching_attempts(uow: UnitOfWork, provider_id: UUID, message_id: str) -> list[Any]:
    rows = await uow.connection.execute(
        select(NotificationAttempt.id, NotificationAttempt.notification_id, NotificationAttempt.provider_kind)
        .where(
            NotificationAttempt.provider_id == provider_id,
            NotificationAttempt.provider_message_id == message_id,
            NotificationAttempt.status != AttemptStatus.FAILED,
        )
        .with_for_update()
    )
    return list(rows)


async def _address(uow: UnitOfWork, row: Any) -> str:
    method = (await uow.connection.execute(select(CONTACTS).where(ContactMethod.id == row.contact_method_id))).first()
    return shown_address(NotificationChannel(row.channel), method.address) if method else "…"


async def _apply(uow: UnitOfWork, attempts: list[Any], receipt: DeliveryReceipt) -> None:
    now = utcnow()
    final = receipt.delivered or receipt.failed
    changes: dict[str, Any] = {"receipt": dict(receipt.raw)}
    if final:
        changes |= {
            "status": AttemptStatus.DELIVERED if receipt.delivered else AttemptStatus.FAILED,
            "delivered_at": now if receipt.delivered else None,
            "error": None if receipt.delivered else f"the provider reported it undelivered ({receipt.error_code})",
            "error_code": receipt.error_code,
        }
    await uow.connection.execute(
        update(NotificationAttempt).where(NotificationAttempt.id.in_([a.id for a in attempts])).values(changes)
    )
    if not final:
        return
    rows = await uow.connection.execute(
        select(NOTIFICATIONS)
        .where(
            Notification.id.in_([a.notification_id for a in attempts]),
            Notification.status == NotificationStatus.SENT,
        )
        .with_for_update()
    )
    for row in rows:
        address = await _address(uow, row)
        common = {"attempt": max(row.attempts, 1), "provider": attempts[0].provider_kind}
        if receipt.delivered:
            await uow.connection.execute(
                update(NOTIFICATIONS)
                .where(Notification.id == row.id)
                .values(status=NotificationStatus.DELIVERED, delivered_at=now)
            )
            uow.record(event_of("delivered", row, address, provider_message_id=receipt.provider_message_id, **common))
        else:
            error = f"the provider reported it undelivered ({receipt.error_code or 'no code'})"
            await fail_rows(uow, [row], address, error, provider_message_id=receipt.provider_message_id, **common)


async def record_receipt(uow: UnitOfWork, provider_id: UUID, receipt: DeliveryReceipt) -> bool:
    """Applies a receipt to the attempts that sent its message; False when none did (even after waiting briefly)."""
    for wait in (*EARLY_RECEIPT_WAIT_SECONDS, None):
        async with uow:
            attempts = await _matching_attempts(uow, provider_id, receipt.provider_message_id)
            if attempts:
                await _apply(uow, attempts, receipt)
                await uow.commit()
                return True
        if wait is None:
            return False
        await asyncio.sleep(wait)
    return False
