"""Expires offers nobody answered in time, and moves each auto-dispatch on to its next-nearest responder.

Each due offer is handled in its own transaction: claimed with ``FOR UPDATE SKIP LOCKED``, marked expired (which
releases its responder) and, when an auto-dispatch was waiting on it, followed by the next offer or by
``alert.dispatch_exhausted``. The alert's row lock is only tried (``SKIP LOCKED``): an alert someone is working on
right now is left for the next tick, so the scheduler never waits on a request while holding an offer. Two schedulers
never expire the same offer; on SQLite, where there are no row locks, the status guard of the update decides.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from sos.alerts.models import Alert
from sos.core.uow import UnitOfWorkFactory
from sos.dispatch import offers
from sos.dispatch.domain import OfferStatus
from sos.dispatch.models import DispatchOffer
from sos.dispatch.ranker import Ranker

logger = logging.getLogger("sos.dispatch")


class DispatchDueWork:
    name = "dispatch"

    def __init__(self, uow_factory: UnitOfWorkFactory, ranker: Ranker | None = None) -> None:
        self._uow_factory = uow_factory
        self._ranker = ranker or Ranker()

    async def run_due(self, now: datetime, limit: int) -> int:
        """Expires up to ``limit`` offers due at ``now``, each in its own transaction; returns how many."""
        performed = 0
        passed: set[UUID] = set()
        while performed < limit:
            outcome = await self._expire_one(now, passed)
            if outcome is None:
                break
            performed += outcome
        return performed

    async def _expire_one(self, now: datetime, passed: set[UUID]) -> int | None:
        """1 when an offer expired, 0 when the one claimed had to be left for later, ``None`` when none is due."""
        claimed: UUID | None = None
        try:
            async with self._uow_factory() as uow:
                query = select(DispatchOffer).where(
                    DispatchOffer.status == OfferStatus.OFFERED, DispatchOffer.expires_at <= now
                )
                if passed:
                    query = query.where(DispatchOffer.id.notin_(passed))
                offer = (
                    await uow.connection.execute(
                        query.order_by(DispatchOffer.expires_at, DispatchOffer.id)
                        .limit(1)
                        .with_for_update(skip_locked=True)
                    )
                ).first()
                if offer is None:
                    return None
                claimed = offer.id
                passed.add(offer.id)
                alert = (
                    await uow.connection.execute(
                        select(Alert)
                        .where(Alert.id == offer.alert_id)
                        .with_for_update(skip_locked=True, key_share=True)
                    )
                ).first()
                if alert is None:
                    return 0
                chain = await offers.chain_waiting_on(uow, offer)
                if not await offers.close_offer(uow, offer, OfferStatus.EXPIRED, now, actor_id=None):
                    return 0
                if chain is not None:
                    await offers.advance_chain(uow, chain._mapping, alert, now, self._ranker)
                await uow.commit()
                return 1
        except Exception:
            if claimed is None:
                raise
            logger.exception("offer %s could not be expired; it is retried on the next tick", claimed)
            return 0
