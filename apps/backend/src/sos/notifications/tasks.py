"""The delivery job: takes a notification id, re-checks its state under a lock, and delivers it once."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from sos.core.jobs import TASKS, JobContext, RetryPolicy, TaskSpec
from sos.notifications import pipeline, service
from sos.notifications.domain import NotificationChannel
from sos.notifications.models import Notification


async def _channel(ctx: JobContext, notification_id: UUID) -> NotificationChannel | None:
    async with ctx.uow_factory().read() as uow:
        channel = await uow.connection.scalar(select(Notification.channel).where(Notification.id == notification_id))
    return NotificationChannel(channel) if channel is not None else None


async def deliver_notification(ctx: JobContext, notification_id: str) -> None:
    """In-app notifications land in the inbox in one transaction. The others go through the provider pipeline,
    whose row states (pending, sending under a lease, sent) make a second run a no-op."""
    target = UUID(notification_id)
    channel = await _channel(ctx, target)
    if channel is None:
        return
    if channel is not NotificationChannel.IN_APP:
        await pipeline.deliver_external(ctx.uow_factory, target)
        return
    async with ctx.uow_factory() as uow:
        if await ctx.first_run(uow) and await service.deliver(uow, target):
            await uow.commit()


async def fail_notification(ctx: JobContext, error: str, notification_id: str) -> None:
    async with ctx.uow_factory() as uow:
        if await service.fail(uow, UUID(notification_id), error):
            await uow.commit()


DELIVER = TASKS.register(
    TaskSpec(
        name=service.DELIVER_TASK,
        run=deliver_notification,
        queue="notifications",
        # Gives up within about half a minute, before the sweeper would enqueue the notification again.
        retry=RetryPolicy(max_retries=5, base_seconds=1.0, max_seconds=16.0),
        give_up=fail_notification,
    )
)
