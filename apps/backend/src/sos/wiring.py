"""Which consumers process the event stream and which kinds of scheduled work the scheduler runs."""

from __future__ import annotations

from sos.analytics.consumer import AnalyticsProjection
from sos.checkins.scheduler import CheckinDueWork
from sos.core.bus import Consumer
from sos.core.config import DatabaseKind, Settings
from sos.core.jobs import JobQueue
from sos.core.scheduler import DueWork
from sos.core.uow import UnitOfWorkFactory
from sos.dispatch.consumer import DispatchConsumer
from sos.dispatch.ranker import Ranker
from sos.dispatch.scheduler import DispatchDueWork
from sos.escalation.consumer import EscalationConsumer
from sos.escalation.scheduler import EscalationDueWork
from sos.locations.scheduler import LocationRetention
from sos.notifications.consumer import NotificationConsumer
from sos.notifications.scheduler import NotificationSweep
from sos.stream.consumer import StreamConsumer
from sos.stream.log import StreamLog
from sos.timeline.consumer import TimelineProjection


def build_consumers(settings: Settings, jobs: JobQueue, stream_log: StreamLog | None = None) -> list[Consumer]:
    """The consumers, in the order the in-process bus runs them. The live stream comes last, so a client hears of a
    change only once the projections that show it (the timeline) have committed."""
    consumers: list[Consumer] = [
        TimelineProjection(),
        EscalationConsumer(),
        NotificationConsumer(jobs),
        AnalyticsProjection(),
        DispatchConsumer(Ranker.from_settings(settings)),
    ]
    if stream_log is not None:
        consumers.append(StreamConsumer(stream_log, best_effort=settings.event_bus == "inprocess"))
    return consumers


def build_due_work(uow_factory: UnitOfWorkFactory, jobs: JobQueue, settings: Settings) -> list[DueWork]:
    ranker = Ranker.from_settings(settings)
    return [
        EscalationDueWork(uow_factory, ranker, parallel=_parallel_steps(settings)),
        CheckinDueWork(uow_factory),
        NotificationSweep(uow_factory, jobs),
        DispatchDueWork(uow_factory, ranker),
        LocationRetention(uow_factory, settings),
    ]


def _parallel_steps(settings: Settings) -> int:
    """SQLite has one writer, so parallel steps would only queue for it."""
    return 1 if settings.database_kind is DatabaseKind.SQLITE else settings.scheduler_parallel_steps
