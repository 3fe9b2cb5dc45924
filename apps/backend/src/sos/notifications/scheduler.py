"""The notification sweeper: enqueues again the delivery of notifications that stayed pending too long.

An enqueue can fail after the commit that created the notification (the broker is down), and a job can be lost with
the process that ran it in the embedded mode; the rows stay pending, so nothing is lost as long as this runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

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
        """Claims stuck notifications with row locks, enqueues each and moves its enqueue time on, in one commit.

        A failing enqueue rolls the claim back, so those rows are tried again on a later tick.
        """
        stuck = (Notification.status == NotificationStatus.PENDING) & (
            Notification.enqueued_at <= now - timedelta(seconds=STUCK_AFTER_SECONDS)
        )
        async with self._uow_factory() as uow:
            ids = list(
                (
                    await uow.connection.execute(
                        select(Notification.id)
                        .where(stuck)
                        .order_by(Notification.enqueued_at, Notification.id)
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
