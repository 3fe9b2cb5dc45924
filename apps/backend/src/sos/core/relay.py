"""The outbox relay: claims unpublished events with a lease, publishes them in order, then marks them sent.

Any number of relays may run at once. A relay claims rows with ``FOR UPDATE SKIP LOCKED`` (where the database has
it) and leases them, so two relays do not publish one event in the normal case. It keeps each aggregate's events in
order across relays: an event is claimed only together with every earlier unpublished event of its aggregate, so
while another relay holds (or has just failed) an earlier one, the later ones wait. Events are marked sent only after
the publisher returns, that is after the broker acknowledged them; a relay that dies in between leaves its lease to
expire, and the next relay publishes the events again (consumers absorb the duplicate).

An event the publisher rejects for good (:class:`UndeliverableEvent`) is parked after ``max_attempts`` claims: the
relay stops claiming it and lets the later events of its aggregate go ahead. It stays unpublished and failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sos.core.db import utcnow
from sos.core.events import DomainEvent, OutboxEvent, event_from_row

logger = logging.getLogger("sos.relay")
_HELD_AGGREGATES_LIMIT = 500
_FINAL_DRAIN_SECONDS = 10.0
_WAITING = "waiting for an earlier event of the same aggregate"


class EventPublisher(Protocol):
    async def publish(self, events: list[DomainEvent]) -> None:
        """Returns once every event is delivered; raises :class:`PartialPublish` when only some are."""


class PublisherUnavailable(Exception):
    """The event stream cannot be reached: the whole batch waits and is retried, not split up as if one were bad."""


class UndeliverableEvent(Exception):
    """The publisher will never take this event as it is (too large, invalid topic, not serialisable)."""


class PartialPublish(Exception):
    """Some events of a batch were delivered (``acked``), others not; ``failed`` holds the errors of the ones that
    failed. An event in neither was not attempted (it waits behind a failed event of its aggregate, or the publisher
    stopped early)."""

    def __init__(self, acked: Collection[UUID], failed: dict[UUID, Exception]) -> None:
        first = next(iter(failed.values()), None)
        super().__init__(f"{len(acked)} events delivered, {len(failed)} failed" + (f": {first!r}" if first else ""))
        self.acked = frozenset(acked)
        self.failed = failed


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
        retry_seconds: float | None = None,
        max_attempts: int = 5,
        final_drain_seconds: float = _FINAL_DRAIN_SECONDS,
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._retry = timedelta(seconds=min(lease_seconds, 5.0) if retry_seconds is None else retry_seconds)
        self._gather_seconds = gather_seconds
        self._max_attempts = max_attempts
        self._final_drain_seconds = final_drain_seconds
        self._attempts: dict[UUID, int] = {}
        self._owner = secrets.token_hex(8)
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def publisher(self) -> EventPublisher:
        return self._publisher

    def wake(self) -> None:
        self._wakeup.set()

    async def _claim(self) -> list[DomainEvent]:
        now = utcnow()
        claimable = and_(
            OutboxEvent.published_at.is_(None),
            OutboxEvent.parked_at.is_(None),
            or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
        )
        async with self._engine.begin() as connection:
            held = await _held_aggregates(connection, now)
            if held:
                # Skipping them up front keeps a held aggregate's backlog from filling the batch.
                claimable = and_(claimable, OutboxEvent.aggregate_id.not_in(held))
            rows = (
                await connection.execute(
                    select(OutboxEvent)
                    .where(claimable)
                    .order_by(OutboxEvent.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            rows = await _first_in_line(connection, rows)
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
        self._attempts = {row.id: row.attempts + 1 for row in rows}
        return [event_from_row(row) for row in rows]

    async def _settle(self, events: list[DomainEvent], error: str | None) -> None:
        """Marks ``events`` sent, or records ``error`` and holds them (with their aggregates' later events) a while."""
        ids = [event.id for event in events]
        if not ids:
            return
        values = (
            {"published_at": utcnow(), "lease_owner": None, "lease_until": None, "last_error": None}
            if error is None
            else {"last_error": error[:2000], "lease_until": utcnow() + self._retry}
        )
        async with self._engine.begin() as connection:
            await connection.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids), OutboxEvent.lease_owner == self._owner)
                .values(**values)
            )

    async def _park(self, event: DomainEvent, error: str) -> None:
        logger.error(
            "PARKED outbox event %s (%s, aggregate %s %s) after %d attempts: the publisher rejects it for good; later "
            "events of its aggregate go ahead without it. Error: %s",
            event.id,
            event.type,
            event.aggregate_type,
            event.aggregate_id,
            self._attempts.get(event.id, 0),
            error,
        )
        async with self._engine.begin() as connection:
            await connection.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event.id, OutboxEvent.lease_owner == self._owner)
                .values(parked_at=utcnow(), last_error=error[:2000], lease_owner=None, lease_until=None)
            )

    async def _fail(self, event: DomainEvent, error: Exception) -> bool:
        """Holds a failed event for a retry, or parks it; returns whether its aggregate must wait for it."""
        if isinstance(error, UndeliverableEvent) and self._attempts.get(event.id, 0) >= self._max_attempts:
            await self._park(event, repr(error))
            return False
        logger.warning("publishing outbox event %s (%s) failed; retried after a while: %r", event.id, event.type, error)
        await self._settle([event], repr(error))
        return True

    async def relay_batch(self) -> int:
        """Publishes one batch; returns how many events were published."""
        events = await self._claim()
        if not events:
            return 0
        try:
            await self._publisher.publish(events)
        except PublisherUnavailable as exc:
            logger.warning("the event stream is unavailable; %d events wait: %s", len(events), exc)
            await self._settle(events, str(exc))
            return 0
        except PartialPublish as partial:
            return await self._settle_partial(events, partial)
        except Exception:
            logger.warning("publishing a batch of %d events failed; publishing them one by one", len(events))
            return await self._publish_one_by_one(events)
        await self._settle(events, None)
        return len(events)

    async def _settle_partial(self, events: list[DomainEvent], partial: PartialPublish) -> int:
        """Marks the delivered events sent, holds or parks the failed ones, and retries the rest one by one."""
        acked = [event for event in events if event.id in partial.acked]
        await self._settle(acked, None)
        blocked: set[UUID] = set()
        for event in events:
            error = partial.failed.get(event.id)
            if error is not None and event.id not in partial.acked and await self._fail(event, error):
                blocked.add(event.aggregate_id)
        rest = [event for event in events if event.id not in partial.acked and event.id not in partial.failed]
        return len(acked) + await self._publish_one_by_one(rest, blocked)

    async def _publish_one_by_one(self, events: list[DomainEvent], blocked: set[UUID] | None = None) -> int:
        """Isolates failing events, so one bad event does not hold back the rest of its batch.

        After an event fails, the later events of the same aggregate wait with it, keeping each aggregate in order.
        When the event stream is unavailable, this event and all after it wait.
        """
        blocked = set() if blocked is None else blocked
        published = 0
        for index, event in enumerate(events):
            if event.aggregate_id in blocked:
                await self._settle([event], _WAITING)
                continue
            try:
                await self._publisher.publish([event])
            except PublisherUnavailable as exc:
                logger.warning("the event stream is unavailable; %d events wait: %s", len(events) - index, exc)
                await self._settle(events[index:], str(exc))
                return published
            except PartialPublish as partial:
                if event.id in partial.acked:
                    await self._settle([event], None)
                    published += 1
                elif await self._fail(event, partial.failed.get(event.id, partial)):
                    blocked.add(event.aggregate_id)
                continue
            except Exception as exc:
                if await self._fail(event, exc):
                    blocked.add(event.aggregate_id)
                continue
            await self._settle([event], None)
            published += 1
        return published

    async def drain(self) -> int:
        """Publishes until nothing claimable is left (or a stop is requested)."""
        total = 0
        async with self._lock:
            while not self._stopping.is_set() and (published := await self.relay_batch()):
                total += published
        return total

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Holds the relay between batches: nothing is claimed or published until the block ends."""
        async with self._lock:
            yield

    async def run(self) -> None:
        """Relays until :meth:`request_stop`; a stop lets the batch in hand finish and be marked."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_seconds)
            self._wakeup.clear()
            if self._stopping.is_set():
                return
            # Let a burst of commits accumulate, so one claim carries many events instead of one each.
            await asyncio.sleep(self._gather_seconds)
            try:
                await self.drain()
            except Exception:
                logger.exception("outbox relay cycle failed; retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._poll_seconds)

    def request_stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stops the background relay after its current batch, then publishes what is left."""
        task, self._task = self._task, None
        if task is None:
            return
        self.request_stop()
        try:
            await asyncio.wait_for(task, timeout=self._lease.total_seconds())
        except TimeoutError:
            logger.warning("the outbox relay did not finish its batch in time; it was cancelled")
        self._stopping.clear()
        try:
            async with asyncio.timeout(self._final_drain_seconds):
                await self.drain()
        except TimeoutError:
            logger.warning("the final outbox drain did not finish in time; the rest waits for the next relay")
        except Exception:
            logger.exception("the final outbox drain failed; the rest waits for the next relay")


async def _held_aggregates(connection: AsyncConnection, now: datetime) -> list[UUID]:
    """Aggregates with an event leased right now (in flight at some relay, or failed and waiting to be retried).

    Past a limit the list is not worth sending; :func:`_first_in_line` keeps the order on its own.
    """
    held = await connection.execute(
        select(OutboxEvent.aggregate_id)
        .where(OutboxEvent.lease_until >= now, OutboxEvent.published_at.is_(None), OutboxEvent.parked_at.is_(None))
        .distinct()
        .limit(_HELD_AGGREGATES_LIMIT + 1)
    )
    aggregate_ids = list(held.scalars())
    return aggregate_ids if len(aggregate_ids) <= _HELD_AGGREGATES_LIMIT else []


async def _first_in_line(connection: AsyncConnection, rows: Sequence[Any]) -> list[Any]:
    """The claimed rows whose earlier unpublished events (same aggregate) are all claimed with them.

    A row whose predecessor was skipped (locked or leased by another relay, or failed and waiting) stays put, so no
    relay publishes an aggregate's events out of order.
    """
    if not rows:
        return []
    claimed = {row.id for row in rows}
    pending = await connection.execute(
        select(OutboxEvent.aggregate_id, OutboxEvent.id).where(
            OutboxEvent.published_at.is_(None),
            OutboxEvent.parked_at.is_(None),
            OutboxEvent.aggregate_id.in_({row.aggregate_id for row in rows}),
            OutboxEvent.id < max(claimed),
        )
    )
    held_elsewhere: dict[UUID, UUID] = {}
    for aggregate_id, event_id in pending:
        if event_id not in claimed and (aggregate_id not in held_elsewhere or event_id < held_elsewhere[aggregate_id]):
            held_elsewhere[aggregate_id] = event_id
    return [row for row in rows if row.aggregate_id not in held_elsewhere or row.id < held_elsewhere[row.aggregate_id]]
