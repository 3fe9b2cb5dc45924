"""The delivery jobs: take notification ids, re-check each one's state under a lock, and deliver each once."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy import select

from sos.core.jobs import TASKS, JobContext, RetryPolicy, TaskSpec
from sos.notifications import pipeline, service
from sos.notifications.domain import NotificationChannel
from sos.notifications.models import Notification


async def _channels(ctx: JobContext, notification_ids: list[UUID]) -> dict[UUID, NotificationChannel]:
    """The channel of each notification that still exists."""
    async with ctx.uow_factory().read() as uow:
        rows = await uow.connection.execute(
            select(Notification.id, Notification.channel).where(Notification.id.in_(notification_ids))
        )
        return {row.id: NotificationChannel(row.channel) for row in rows}


async def deliver_notification(ctx: JobContext, notification_id: str) -> None:
    """In-app notifications land in the inbox in one transaction. The others go through the provider pipeline,
    whose row states (pending, sending under a lease, sent) make a second run a no-op."""
    target = UUID(notification_id)
    channel = (await _channels(ctx, [target])).get(target)
    if channel is None:
        return
    if channel is not NotificationChannel.IN_APP:
        await pipeline.deliver_external(ctx.uow_factory, target)
        return
    async with ctx.uow_factory() as uow:
        if await ctx.first_run(uow) and await service.deliver_in_app(uow, [target]):
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


async def _deliver_in_app(ctx: JobContext, notification_ids: list[UUID]) -> None:
    if not notification_ids:
        return
    async with ctx.uow_factory() as uow:
        if await service.deliver_in_app(uow, notification_ids):
            await uow.commit()


async def deliver_notifications(ctx: JobContext, notification_ids: list[str]) -> None:
    """Notifications an event made due at once (in-app and the first rule steps of each recipient): the in-app ones
    in one transaction, the others through their providers side by side. Each notification's own state makes a
    re-run of the batch deliver only what is still pending."""
    slots = asyncio.Semaphore(_BATCH_CONCURRENCY)
    channels = await _channels(ctx, [UUID(notification_id) for notification_id in notification_ids])
    in_app = [target for target, channel in channels.items() if channel is NotificationChannel.IN_APP]
    external = [target for target, channel in channels.items() if channel is not NotificationChannel.IN_APP]

    async def guarded(work: Callable[[], Awaitable[None]]) -> BaseException | None:
        async with slots:
            try:
                await work()
            except Exception as exc:
                return exc
            return None

    sends = [functools.partial(pipeline.deliver_external, ctx.uow_factory, target) for target in external]
    outcomes = await asyncio.gather(guarded(functools.partial(_deliver_in_app, ctx, in_app)), *map(guarded, sends))
    failures = [failure for failure in outcomes if failure is not None]
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
