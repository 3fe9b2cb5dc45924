"""Which consumers process the event stream and which kinds of scheduled work the scheduler runs."""

from __future__ import annotations

from sos.analytics.consumer import AnalyticsProjection
from sos.checkins.scheduler import CheckinDueWork
from sos.core.bus import Consumer
from sos.core.jobs import JobQueue
from sos.core.scheduler import DueWork
from sos.core.uow import UnitOfWorkFactory
from sos.escalation.consumer import EscalationConsumer
from sos.escalation.scheduler import EscalationDueWork
from sos.notifications.consumer import NotificationConsumer
from sos.notifications.scheduler import NotificationSweep
from sos.timeline.consumer import TimelineProjection


def build_consumers(jobs: JobQueue) -> list[Consumer]:
    return [TimelineProjection(), EscalationConsumer(), NotificationConsumer(jobs), AnalyticsProjection()]


def build_due_work(uow_factory: UnitOfWorkFactory, jobs: JobQueue) -> list[DueWork]:
    return [EscalationDueWork(uow_factory), CheckinDueWork(uow_factory), NotificationSweep(uow_factory, jobs)]
