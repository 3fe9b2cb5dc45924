from collections.abc import Sequence

from sos.core.bus import Consumer
from sos.core.events import DomainEvent
from sos.core.jobs import JobQueue
from sos.core.uow import UnitOfWork


class NotificationConsumer(Consumer):
    name = "notifications"

    def __init__(self, jobs: JobQueue) -> None:
        self._jobs = jobs

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        return None
