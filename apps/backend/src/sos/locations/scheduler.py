"""Retention of raw location trails: fixes taken more than ``SOS_LOCATION_RETENTION_DAYS`` ago are deleted.

Two things are never deleted, however old: the fix that is a responder's last known location (and anything newer),
which dispatch and the map still use, and the trail of an alert that is open. A closed alert keeps its final
position on its own row; only the raw points go.

Each run deletes at most ``limit`` rows in one short transaction, so a large backlog drains over several ticks
without holding locks for long. Deleting is idempotent, so two schedulers at once only do the same work twice:
each selects due ids without locking them and deletes them by primary key with the rule checked again, which also
spares a row that stopped being due in between (a profile whose last location is still that fix). After a run that
finds less than a full batch, the next look is a minute later: ticking every second costs nothing when nothing is
due.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import InstrumentedAttribute

from sos.alerts.domain import OPEN_STATUSES
from sos.alerts.models import Alert, AlertLocation
from sos.core.config import Settings
from sos.core.uow import UnitOfWorkFactory
from sos.responders.models import ResponderLocation, ResponderProfile

logger = logging.getLogger("sos.locations")

IDLE_INTERVAL = timedelta(minutes=1)


def responder_fixes_due(cutoff: datetime) -> ColumnElement[bool]:
    """Taken before ``cutoff``, and older than the responder's last location."""
    still_last = exists().where(
        ResponderProfile.id == ResponderLocation.profile_id,
        ResponderProfile.last_located_at <= ResponderLocation.recorded_at,
    )
    return (ResponderLocation.recorded_at < cutoff) & ~still_last


def alert_fixes_due(cutoff: datetime) -> ColumnElement[bool]:
    """Taken before ``cutoff``, on an alert that is closed."""
    closed = exists().where(Alert.id == AlertLocation.alert_id, Alert.status.not_in(OPEN_STATUSES))
    return (AlertLocation.recorded_at < cutoff) & closed


class LocationRetention:
    name = "location_retention"

    def __init__(
        self, uow_factory: UnitOfWorkFactory, settings: Settings, *, idle_interval: timedelta = IDLE_INTERVAL
    ) -> None:
        self._uow_factory = uow_factory
        self._retention = timedelta(days=settings.location_retention_days)
        self._idle_interval = idle_interval
        self._idle_since: datetime | None = None

    def _resting(self, now: datetime) -> bool:
        """Nothing was left at the last run, less than ``idle_interval`` before ``now``."""
        return self._idle_since is not None and self._idle_since <= now < self._idle_since + self._idle_interval

    async def run_due(self, now: datetime, limit: int) -> int:
        """Deletes at most ``limit`` trail rows that fell out of retention at ``now``; returns how many."""
        if self._resting(now):
            return 0
        cutoff = now - self._retention
        deleted = await self._delete(ResponderLocation.id, responder_fixes_due(cutoff), limit)
        if deleted < limit:
            deleted += await self._delete(AlertLocation.id, alert_fixes_due(cutoff), limit - deleted)
        self._idle_since = now if deleted < limit else None
        if deleted:
            logger.info("deleted %d location fixes taken before %s", deleted, cutoff.isoformat())
        return deleted

    async def _delete(self, key: InstrumentedAttribute[Any], due: ColumnElement[bool], limit: int) -> int:
        async with self._uow_factory() as uow:
            ids = list((await uow.connection.execute(select(key).where(due).limit(limit))).scalars())
            if not ids:
                return 0
            result = await uow.connection.execute(delete(key.class_).where(key.in_(ids), due))
            await uow.commit()
        return int(result.rowcount)
