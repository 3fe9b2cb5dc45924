"""What responder and alert trails share in the database: finding the fixes of an upload that are already stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from sos.core.uow import UnitOfWork
from sos.locations.domain import Fix


async def not_yet_stored(
    uow: UnitOfWork,
    fixes: Sequence[Fix],
    *,
    owner: InstrumentedAttribute[UUID],
    owner_id: UUID,
    recorded_at: InstrumentedAttribute[datetime],
) -> list[Fix]:
    """The fixes whose time this trail has not stored yet: a phone that resends a batch after a lost answer stores
    nothing twice. One query on the trail's (owner, recorded_at) index."""
    if not fixes:
        return []
    stored = set(
        (
            await uow.connection.execute(
                select(recorded_at).where(owner == owner_id, recorded_at.in_([fix.recorded_at for fix in fixes]))
            )
        ).scalars()
    )
    return [fix for fix in fixes if fix.recorded_at not in stored]
