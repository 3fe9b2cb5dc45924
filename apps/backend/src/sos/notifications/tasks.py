"""The delivery jobs: take notification ids, re-check each one's state under a lock, and deliver each once."""

from __future__ import annotations

import asyncio
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

_BATCH_CONCURRENCY = 8


async def _deliver_any(ctx: JobContext, notification_id: UUID) -> None:
    channel = await _channel(ctx, notification_id)
    if channel is None:
        return
    if channel is not NotificationChannel.IN_APP:
        await pipeline.deliver_external(ctx.uow_factory, notification_id)
        return
    async with ctx.uow_factory() as uow:
        if await service.deliver(uow, notification_id):
            await uow.commit()


async def deliver_notifications(ctx: JobContext, notification_ids: list[str]) -> None:
    """Every notification one event made due at once (in-app and the first rule steps of each recipient), side by
    side: one job per event instead of one per notification keeps enqueueing off the consumer's critical path.
    Each notification's own state makes a re-run of the batch deliver only what is still pending."""
    slots = asyncio.Semaphore(_BATCH_CONCURRENCY)

    async def one(notification_id: str) -> BaseException | None:
        async with slots:
            try:
                await _deliver_any(ctx, UUID(notification_id))
            except Exception as exc:
                return exc
            return None

    failures = [failure for failure in await asyncio.gather(*map(one, notification_ids)) if failure is not None]
    if failures:
        raise failures[0]


async def fail_notifications(ctx: JobContext, error: str, notification_ids: list[str]) -> None:
    """The batch gave up: each notification still pending is enqueued alone by the sweeper once its job is stale,
    so only those still pending or sending are failed here."""
    for notification_id in notification_ids:
        async with ctx.uow_factory() as uow:
            if await service.fail(uow, UUID(notification_id), error):
                await uow.commit()


DELIVER_MANY = TASKS.register(
    TaskSpec(
        name=service.DELIVER_MANY_TASK,
        run=deliver_notifications,
        queue="notifications",
        retry=RetryPolicy(max_retries=5, base_seconds=1.0, max_seconds=16.0),
        give_up=fail_notifications,
    )
)
