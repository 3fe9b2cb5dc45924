from collections.abc import Sequence

from sos.core.bus import Consumer
from sos.core.events import DomainEvent
from sos.core.uow import UnitOfWork


class AnalyticsProjection(Consumer):
    name = "analytics"

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        return None
