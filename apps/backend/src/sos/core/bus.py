"""The in-process event bus of the embedded mode, and idempotent consumers.

A consumer applies a batch of events inside its own unit of work and records each event id as processed in that
same transaction, so a redelivered event has no second effect. Events of a type the consumer does not act on are
passed over without a transaction: with no effect to repeat, they need no processed-message key.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import insert, select

from sos.core.dead_letters import DeadLetterStatus, dead_letter_states, forget_retries, record_failure_safely
from sos.core.events import DomainEvent, ProcessedMessage
from sos.core.relay import PartialPublish
from sos.core.request_context import continued_trace
from sos.core.uow import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger("sos.bus")


class Consumer(ABC):
    name: str
    event_types: frozenset[str] | None = None
    """The event types :meth:`handle` acts on; ``None`` for every type."""

    def wants(self, event: DomainEvent) -> bool:
        return self.event_types is None or event.type in self.event_types

    @abstractmethod
    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        """Apply events that this consumer has not processed before, inside ``uow``."""


async def consume_once(uow_factory: UnitOfWorkFactory, consumer: Consumer, events: Sequence[DomainEvent]) -> int:
    """Runs ``consumer`` on the events it acts on and has not seen yet; returns how many it applied."""
    wanted = [event for event in events if consumer.wants(event)]
    if not wanted:
        return 0
    async with uow_factory() as uow:
        seen_rows = await uow.connection.execute(
            select(ProcessedMessage.event_id).where(
                ProcessedMessage.consumer == consumer.name,
                ProcessedMessage.event_id.in_([event.id for event in wanted]),
            )
        )
        seen = set(seen_rows.scalars())
        fresh = []
        for event in wanted:
            # A redelivered event may also repeat within one batch; it is applied the first time only.
            if event.id not in seen:
                seen.add(event.id)
                fresh.append(event)
        if not fresh:
            return 0
        # Events the consumer records continue the trace of the (first) event that caused them.
        with continued_trace(fresh[0].trace_context):
            await consumer.handle(uow, fresh)
            await uow.connection.execute(
                insert(ProcessedMessage), [{"consumer": consumer.name, "event_id": event.id} for event in fresh]
            )
            await uow.commit()
        return len(fresh)


class InProcessEventBus:
    """Hands the relay's events to every consumer in this process, each consumer on its own.

    A consumer that fails does not stop the others. It gets the event again with the relay's retry, and after
    ``max_attempts`` failures on one event the event is parked in ``dead_letters`` for it and counts as delivered
    to it, as the Kafka consumers do with their dead-letter topic.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, *, max_attempts: int = 5) -> None:
        self._uow_factory = uow_factory
        self._max_attempts = max_attempts
        self._consumers: list[Consumer] = []

    def subscribe(self, consumer: Consumer) -> None:
        self._consumers.append(consumer)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Delivers to every consumer; raises :class:`PartialPublish` naming the events some consumer still lacks."""
        if not events:
            return
        states = await dead_letter_states(self._uow_factory.engine, [event.id for event in events])
        failed: dict[UUID, Exception] = {}
        undelivered: set[UUID] = set()
        for consumer in self._consumers:
            outcome = await self._deliver(consumer, events, states)
            for event_id, error in outcome.failed.items():
                failed.setdefault(event_id, error)
            undelivered |= outcome.waiting | outcome.failed.keys()
        if undelivered:
            acked = [event.id for event in events if event.id not in undelivered]
            raise PartialPublish(acked, failed)

    async def _deliver(
        self, consumer: Consumer, events: Sequence[DomainEvent], states: dict[tuple[str, UUID], str]
    ) -> _Delivery:
        wanted = [event for event in events if states.get((consumer.name, event.id)) != DeadLetterStatus.PARKED]
        retried = [event.id for event in wanted if (consumer.name, event.id) in states]
        try:
            await consume_once(self._uow_factory, consumer, wanted)
        except Exception:
            logger.warning(
                "consumer %s failed on a batch of %d events; applying them one by one", consumer.name, len(wanted)
            )
            return await self._deliver_one_by_one(consumer, wanted, set(retried))
        await forget_retries(self._uow_factory.engine, consumer.name, retried)
        return _Delivery()

    async def _deliver_one_by_one(
        self, consumer: Consumer, events: Sequence[DomainEvent], retried: set[UUID]
    ) -> _Delivery:
        """Applies the events one at a time; after a failure, the later events of that aggregate wait for it."""
        outcome = _Delivery()
        blocked: set[UUID] = set()
        for event in events:
            if event.aggregate_id in blocked:
                outcome.waiting.add(event.id)
                continue
            try:
                await consume_once(self._uow_factory, consumer, [event])
            except Exception as exc:
                logger.exception("consumer %s failed on event %s (%s)", consumer.name, event.id, event.type)
                status = await record_failure_safely(
                    self._uow_factory.engine, consumer.name, event, exc, max_attempts=self._max_attempts
                )
                if status is DeadLetterStatus.RETRYING:
                    outcome.failed[event.id] = exc
                    blocked.add(event.aggregate_id)
                continue
            if event.id in retried:
                await forget_retries(self._uow_factory.engine, consumer.name, [event.id])
        return outcome


@dataclass(slots=True)
class _Delivery:
    """The events one consumer did not take: those it failed on, and those waiting behind them."""

    failed: dict[UUID, Exception] = field(default_factory=dict)
    waiting: set[UUID] = field(default_factory=set)
