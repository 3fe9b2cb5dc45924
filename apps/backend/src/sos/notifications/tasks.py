"""The delivery job: takes a notification id, locks the row, re-checks it is pending, and delivers it once."""

from __future__ import annotations

from uuid import UUID

from sos.core.jobs import TASKS, JobContext, RetryPolicy, TaskSpec
from sos.notifications import service


async def deliver_notification(ctx: JobContext, notification_id: str) -> None:
    async with ctx.uow_factory() as uow:
        if not await ctx.first_run(uow):
            return
        if await service.deliver(uow, UUID(notification_id)):
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
