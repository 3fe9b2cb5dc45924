"""Starts auto-dispatch when a team in auto mode is assigned, and lets responders go when they are no longer needed.

- ``alert.assigned`` naming a team whose dispatch mode is ``auto`` (the first such team, when several are named)
  starts an auto-dispatch among that team's members with its skills, timeout, offer limit and radius, unless one is
  already running for the alert.
- ``alert.acknowledged``: someone has taken the alert on. Pending offers to anyone else are withdrawn, the running
  auto-dispatch stops, and the responders a ``nearest_responders`` escalation step held are released, except the
  one who acknowledged.
- ``alert.resolved`` / ``alert.cancelled``: every pending offer is withdrawn, the auto-dispatch stops and everyone
  held for the alert is released.
- ``alert.unassigned`` of a responder releases them.

Events arrive at least once and may arrive late: each only touches offers, chains and engagements that existed when
it happened (made at or before ``occurred_at``), so a late ``resolved`` never withdraws what a reopening started since.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sos.core.bus import Consumer
from sos.core.db import utcnow
from sos.core.errors import NotFound
from sos.core.events import DomainEvent
from sos.core.uow import UnitOfWork
from sos.dispatch import offers
from sos.dispatch.domain import DispatchMode, EngagementSource, OfferStatus, WithdrawalReason
from sos.dispatch.ranker import Ranker
from sos.dispatch.service import load_team_settings

_CLOSING = {"alert.resolved": WithdrawalReason.RESOLVED, "alert.cancelled": WithdrawalReason.CANCELLED}


class DispatchConsumer(Consumer):
    name = "dispatch"
    event_types = frozenset({"alert.assigned", "alert.acknowledged", "alert.unassigned", *_CLOSING})

    def __init__(self, ranker: Ranker | None = None) -> None:
        self._ranker = ranker or Ranker()

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        for event in events:
            if event.type == "alert.assigned" and event.payload.get("team_ids"):
                await self._auto_dispatch(uow, event)
            elif event.type == "alert.acknowledged":
                await self._acknowledged(uow, event)
            elif event.type in _CLOSING:
                await self._closed(uow, event, _CLOSING[event.type])
            elif event.type == "alert.unassigned" and event.payload.get("responder_id"):
                responder_id = UUID(str(event.payload["responder_id"]))
                await offers.release_responder(
                    uow, UUID(event.payload["alert_id"]), responder_id, engaged_by=event.occurred_at
                )

    async def _alert(self, uow: UnitOfWork, event: DomainEvent) -> Any:
        try:
            return await offers.lock_alert(uow, event.organization_id, UUID(event.payload["alert_id"]))
        except NotFound:
            return None

    async def _auto_dispatch(self, uow: UnitOfWork, event: DomainEvent) -> None:
        alert = await self._alert(uow, event)
        if alert is None or not offers.is_open(alert) or await offers.active_chain(uow, alert.id) is not None:
            return
        for team_id in (UUID(str(value)) for value in event.payload["team_ids"]):
            settings = await load_team_settings(uow.connection, event.organization_id, team_id)
            if settings is None or settings.mode is not DispatchMode.AUTO:
                continue
            await offers.start_chain(
                uow,
                alert,
                team_id=team_id,
                skills=settings.required_skills,
                timeout_seconds=settings.offer_timeout_seconds,
                max_offers=settings.max_offers,
                radius_km=settings.radius_km,
                started_by_id=event.actor_id,
                now=utcnow(),
                ranker=self._ranker,
            )
            return

    async def _acknowledged(self, uow: UnitOfWork, event: DomainEvent) -> None:
        alert = await self._alert(uow, event)
        if alert is None:
            return
        now, acknowledger = utcnow(), event.actor_id
        await offers.stop_chains(
            uow, alert.id, WithdrawalReason.ACKNOWLEDGED, now, actor_id=None, started_before=event.occurred_at
        )
        for pending in await offers.pending_offers(uow, alert.id, offered_before=event.occurred_at):
            if pending.responder_id != acknowledger:
                await offers.close_offer(
                    uow, pending, OfferStatus.WITHDRAWN, now, actor_id=None, withdrawal=WithdrawalReason.ACKNOWLEDGED
                )
        await offers.release_alert(
            uow, alert.id, engaged_by=event.occurred_at, source=EngagementSource.ESCALATION, keep=acknowledger
        )

    async def _closed(self, uow: UnitOfWork, event: DomainEvent, reason: WithdrawalReason) -> None:
        alert = await self._alert(uow, event)
        if alert is None:
            return
        now = utcnow()
        await offers.stop_chains(uow, alert.id, reason, now, actor_id=None, started_before=event.occurred_at)
        for pending in await offers.pending_offers(uow, alert.id, offered_before=event.occurred_at):
            await offers.close_offer(uow, pending, OfferStatus.WITHDRAWN, now, actor_id=None, withdrawal=reason)
        await offers.release_alert(uow, alert.id, engaged_by=event.occurred_at)
