"""The notification sweeper: enqueues notifications once they are due, and again when their job went missing.

Rule steps with a delay, pages held for quiet hours or an SMS bundle, and retries after a backoff wait as pending
rows with a due time. An enqueue can fail after the commit that created a notification (the broker is down), and a
job can be lost with the process that ran it; a row left ``sending`` past its lease goes back to pending. Nothing is
lost as long as this runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from sos.core.jobs import JobQueue
from sos.core.uow import UnitOfWorkFactory
from sos.notifications import service
from sos.notifications.domain import STUCK_AFTER_SECONDS, NotificationStatus
from sos.notifications.models import Notification


class NotificationSweep:
    name = "notification_sweep"

    def __init__(self, uow_factory: UnitOfWorkFactory, jobs: JobQueue) -> None:
        self._uow_factory = uow_factory
        self._jobs = jobs

    async def run_due(self, now: datetime, limit: int) -> int:
        """Claims due or stuck notifications with row locks, enqueues each and stamps its enqueue time, in one
        commit. A failing enqueue rolls the claim back, so those rows are tried again on a later tick."""
        await self._release_expired_leases(now)
        waiting = (Notification.status == NotificationStatus.PENDING) & (Notification.due_at <= now)
        unqueued = or_(
            Notification.enqueued_at.is_(None),
            Notification.enqueued_at <= now - timedelta(seconds=STUCK_AFTER_SECONDS),
        )
        async with self._uow_factory() as uow:
            ids = list(
                (
                    await uow.connection.execute(
                        select(Notification.id)
                        .where(waiting & unqueued)
                        .order_by(Notification.due_at, Notification.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not ids:
                return 0
            await uow.connection.execute(update(Notification).where(Notification.id.in_(ids)).values(enqueued_at=now))
            for notification_id in ids:
                await self._jobs.enqueue(
                    service.DELIVER_TASK,
                    {"notification_id": str(notification_id)},
                    key=service.delivery_key(notification_id),
                )
            await uow.commit()
        return len(ids)

    async def _release_expired_leases(self, now: datetime) -> None:
        async with self._uow_factory() as uow:
            await uow.connection.execute(
                update(Notification)
                .where(Notification.status == NotificationStatus.SENDING, Notification.lease_until <= now)
                .values(status=NotificationStatus.PENDING, lease_until=None, enqueued_at=None)
            )
            await uow.commit()
