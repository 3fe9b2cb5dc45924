"""The outbox relay: claims unpublished events with a lease, publishes them in order, then marks them sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta
from typing import Protocol
from uuid import UUID

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from sos.core.db import utcnow
from sos.core.events import DomainEvent, OutboxEvent, event_from_row

logger = logging.getLogger("sos.relay")


class EventPublisher(Protocol):
    async def publish(self, events: list[DomainEvent]) -> None: ...


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        lease_seconds: float = 30.0,
        gather_seconds: float = 0.02,
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._gather_seconds = gather_seconds
        self._owner = secrets.token_hex(8)
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wakeup.set()

    async def _claim(self) -> list[DomainEvent]:
        now = utcnow()
        claimable = and_(
            OutboxEvent.published_at.is_(None),
            or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
        )
        async with self._engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(OutboxEvent)
                    .where(claimable)
                    .order_by(OutboxEvent.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return []
            await connection.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([row.id for row in rows]))
                .values(
                    lease_owner=self._owner,
                    lease_until=now + self._lease,
                    attempts=OutboxEvent.attempts + 1,
                )
            )
        return [event_from_row(row) for row in rows]

    async def _settle(self, events: list[DomainEvent], error: str | None) -> None:
        ids = [event.id for event in events]
        values = (
            {"published_at": utcnow(), "lease_owner": None, "lease_until": None, "last_error": None}
            if error is None
            else {"last_error": error[:2000]}
        )
        async with self._engine.begin() as connection:
            await connection.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids), OutboxEvent.lease_owner == self._owner)
                .values(**values)
            )

    async def relay_batch(self) -> int:
        """Publishes one batch; returns how many events were published."""
        events = await self._claim()
        if not events:
            return 0
        try:
            await self._publisher.publish(events)
        except Exception:
            logger.warning("publishing a batch of %d events failed; publishing them one by one", len(events))
            return await self._publish_one_by_one(events)
        await self._settle(events, None)
        return len(events)

    async def _publish_one_by_one(self, events: list[DomainEvent]) -> int:
        """Isolates failing events, so one bad event does not hold back the rest of its batch.

        After an event fails, the later events of the same aggregate wait with it, keeping each aggregate in order.
        """
        blocked: set[UUID] = set()
        published = 0
        for event in events:
            if event.aggregate_id in blocked:
                await self._settle([event], "waiting for an earlier event of the same aggregate")
                continue
            try:
                await self._publisher.publish([event])
            except Exception as exc:
                logger.exception(
                    "publishing outbox event %s (%s) failed; retried after the lease", event.id, event.type
                )
                blocked.add(event.aggregate_id)
                await self._settle([event], repr(exc))
                continue
            await self._settle([event], None)
            published += 1
        return published

    async def drain(self) -> int:
        """Publishes until nothing claimable is left."""
        total = 0
        async with self._lock:
            while published := await self.relay_batch():
                total += published
        return total

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_seconds)
            self._wakeup.clear()
            # Let a burst of commits accumulate, so one claim carries many events instead of one each.
            await asyncio.sleep(self._gather_seconds)
            try:
                await self.drain()
            except Exception:
                logger.exception("outbox relay cycle failed; retrying")
                await asyncio.sleep(self._poll_seconds)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await self.drain()
