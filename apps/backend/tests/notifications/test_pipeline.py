"""From alert events to delivered in-app notifications: consumer, delivery job, sweeper."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient

from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.job_runner import InProcessJobRunner
from sos.core.jobs import JobContext, JobQueue, RetryPolicy, TaskRegistry, TaskSpec
from sos.notifications import service
from sos.notifications.consumer import JOB_SIZE, NotificationConsumer
from sos.notifications.scheduler import NotificationSweep
from sos.notifications.tasks import deliver_notification, deliver_notifications, fail_notification
from sos.users.domain import Role
from tests.factories import Tenant, add_member, raise_sos, team_with, timeline_of
from tests.notifications.helpers import (
    BrokerDown,
    assigned,
    attempts_of,
    consume,
    count_events,
    escalated,
    notifications_of,
    pending_notification,
    settle,
)


async def test_an_escalation_step_notifies_each_of_its_users(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await consume(container, escalated(tenant, alert["id"], [tenant.responder.user_id, tenant.coordinator.user_id]))
    for member in (tenant.responder, tenant.coordinator):
        (notification,) = await notifications_of(container, member.user_id)
        assert (notification.status, notification.kind, str(notification.alert_id)) == (
            "delivered",
            "alert.escalated",
            alert["id"],
        )
        assert notification.title == "Escalated to you: high medical SOS"
        (attempt,) = await attempts_of(container, notification.id)
        assert (attempt.channel, attempt.status, attempt.error) == ("in_app", "succeeded", None)


async def test_a_delivery_lands_on_the_alert_timeline(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await consume(container, escalated(tenant, alert["id"], [tenant.responder.user_id]))
    (kind, data, _actor) = (await timeline_of(container, alert["id"]))[-1]
    (notification,) = await notifications_of(container, tenant.responder.user_id)
    assert kind == "notification.delivered"
    assert data == {
        "notification_id": str(notification.id),
        "alert_id": alert["id"],
        "user_id": str(tenant.responder.user_id),
        "channel": "in_app",
        "kind": "alert.escalated",
        "attempt": 1,
    }


async def test_a_redelivered_event_creates_one_notification_and_one_delivery(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    event = escalated(tenant, alert["id"], [tenant.responder.user_id])
    assert await consume(container, event) == 1
    assert await consume(container, event) == 0
    # Even past the consumer's processed-message key, the dedup key of event and user holds.
    async with container.uow_factory() as uow:
        await NotificationConsumer(container.jobs).handle(uow, [event])
        await uow.commit()
    await settle(container)
    (notification,) = await notifications_of(container, tenant.responder.user_id)
    assert len(await attempts_of(container, notification.id)) == 1
    assert await count_events(container, "notification.delivered", notification.id) == 1


async def test_an_assignment_notifies_the_responder_and_the_current_team_members(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    teammate = await add_member(container, tenant, Role.RESPONDER, label="teammate")
    team_id = await team_with(container, tenant, teammate)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)], "team_ids": [str(team_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 200, response.text
    await settle(container)
    for member in (tenant.responder, teammate):
        (notification,) = await notifications_of(container, member.user_id)
        assert (notification.kind, notification.status) == ("alert.assigned", "delivered")
        assert notification.title == "Assigned to you: high medical SOS"
    assert await notifications_of(container, tenant.coordinator.user_id) == []


async def test_whoever_assigns_is_not_notified_of_their_own_assignment(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    team_id = await team_with(container, tenant, tenant.coordinator)
    await consume(container, assigned(tenant, alert["id"], team_ids=[team_id]))
    assert await notifications_of(container, tenant.coordinator.user_id) == []


async def test_an_assignment_made_by_an_escalation_is_left_to_its_escalation_event(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    event = assigned(tenant, alert["id"], responder_ids=[tenant.responder.user_id], escalation_id=str(UUID(int=1)))
    await consume(container, event)
    assert await notifications_of(container, tenant.responder.user_id) == []


async def test_users_of_another_organization_are_never_notified(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await consume(container, escalated(tenant, alert["id"], [other_tenant.responder.user_id]))
    assert await notifications_of(container, other_tenant.responder.user_id) == []


async def _pending(container: Container, tenant: Tenant, alert_id: str) -> UUID:
    event = escalated(tenant, alert_id, [tenant.responder.user_id])
    return await pending_notification(container, tenant.responder.user_id, event)


async def test_a_delivery_job_run_twice_delivers_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    notification_id = await _pending(container, tenant, alert["id"])
    for key in ("first-enqueue", "second-enqueue"):
        ctx = JobContext(task=service.DELIVER_TASK, key=key, attempt=0, uow_factory=container.uow_factory)
        await deliver_notification(ctx, notification_id=str(notification_id))
    assert len(await attempts_of(container, notification_id)) == 1
    assert await count_events(container, "notification.delivered", notification_id) == 1


async def test_the_sweeper_enqueues_a_notification_left_pending_after_a_minute(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    notification_id = await _pending(container, tenant, alert["id"])
    (row,) = await notifications_of(container, tenant.responder.user_id)
    sweep = NotificationSweep(container.uow_factory, container.jobs)
    assert await sweep.run_due(row.enqueued_at + timedelta(seconds=30), limit=10) == 0
    assert await sweep.run_due(row.enqueued_at + timedelta(seconds=61), limit=10) == 1
    await settle(container)
    (row,) = await notifications_of(container, tenant.responder.user_id)
    assert row.status == "delivered"
    assert await sweep.run_due(row.enqueued_at + timedelta(hours=1), limit=10) == 0
    assert len(await attempts_of(container, notification_id)) == 1


async def test_a_sweep_whose_enqueue_fails_leaves_the_notification_due(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await _pending(container, tenant, alert["id"])
    (row,) = await notifications_of(container, tenant.responder.user_id)
    later = row.enqueued_at + timedelta(minutes=2)
    broken = NotificationSweep(container.uow_factory, BrokerDown())
    with pytest.raises(ConnectionError):
        await broken.run_due(later, limit=10)
    assert await NotificationSweep(container.uow_factory, container.jobs).run_due(later, limit=10) == 1
    await settle(container)


async def test_a_delivery_that_keeps_failing_marks_the_notification_failed(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    notification_id = await _pending(container, tenant, alert["id"])

    async def unreachable(ctx: JobContext, notification_id: str) -> None:
        raise ConnectionError("provider unreachable")

    registry = TaskRegistry()
    registry.register(
        TaskSpec(
            service.DELIVER_TASK,
            unreachable,
            queue="notifications",
            retry=RetryPolicy(max_retries=2, base_seconds=0.001, max_seconds=0.002),
            give_up=fail_notification,
        )
    )
    runner = InProcessJobRunner(container.uow_factory, registry)
    await runner.enqueue(service.DELIVER_TASK, {"notification_id": str(notification_id)}, key="doomed")
    await runner.join()
    (row,) = await notifications_of(container, tenant.responder.user_id)
    assert (row.status, row.attempts) == ("failed", 1)
    (attempt,) = await attempts_of(container, notification_id)
    assert (attempt.status, attempt.error) == ("failed", "ConnectionError('provider unreachable')")
    assert await count_events(container, "notification.failed", notification_id) == 1
    await settle(container)


class RecordingJobs:
    """Enqueues to the real runner, remembering each job's notification ids."""

    def __init__(self, jobs: JobQueue) -> None:
        self._jobs = jobs
        self.batches: list[list[str]] = []

    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str | None = None) -> None:
        self.batches.append(args.get("notification_ids") or [args["notification_id"]])
        await self._jobs.enqueue(task, args, key=key, queue=queue)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def join(self) -> None:
        await self._jobs.join()


async def test_a_batch_of_pages_is_spread_over_jobs_of_ten_and_every_page_is_delivered(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    events = [escalated(tenant, alert["id"], [tenant.responder.user_id], tier=tier) for tier in range(11)]
    jobs = RecordingJobs(container.jobs)

    await consume_once(container.uow_factory, NotificationConsumer(jobs), events)
    await settle(container)

    assert sorted(len(batch) for batch in jobs.batches) == [1, JOB_SIZE]
    notifications = await notifications_of(container, tenant.responder.user_id)
    enqueued = sorted(notification_id for batch in jobs.batches for notification_id in batch)
    assert sorted(str(notification.id) for notification in notifications) == enqueued
    assert {notification.status for notification in notifications} == {"delivered"}


async def test_running_a_batch_job_again_delivers_its_in_app_notifications_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    users = [tenant.responder.user_id, tenant.coordinator.user_id]
    event = escalated(tenant, alert["id"], users)
    await consume_once(container.uow_factory, NotificationConsumer(BrokerDown()), [event])
    ids = [str(notification.id) for user_id in users for notification in await notifications_of(container, user_id)]

    for key in ("first-enqueue", "second-enqueue"):
        ctx = JobContext(task=service.DELIVER_MANY_TASK, key=key, attempt=0, uow_factory=container.uow_factory)
        await deliver_notifications(ctx, notification_ids=ids)

    for notification_id in ids:
        (attempt,) = await attempts_of(container, UUID(notification_id))
        assert (attempt.channel, attempt.status) == ("in_app", "succeeded")
        assert await count_events(container, "notification.delivered", UUID(notification_id)) == 1
