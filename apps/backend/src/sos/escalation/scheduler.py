from datetime import datetime

from sos.core.uow import UnitOfWorkFactory


class EscalationDueWork:
    name = "escalation"

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def run_due(self, now: datetime, limit: int) -> int:
        return 0
