"""Raises the SOS of check-in timers that ran out. Durable: the due time is in the database, claimed with row locks."""

from datetime import datetime

from sos.checkins.service import expire_due
from sos.core.uow import UnitOfWorkFactory


class CheckinDueWork:
    name = "checkins"

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def run_due(self, now: datetime, limit: int) -> int:
        return await expire_due(self._uow_factory, now, limit)
