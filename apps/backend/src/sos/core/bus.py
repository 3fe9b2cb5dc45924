"""The in-process event bus of the embedded mode, and idempotent consumers.

A consumer applies a batch of events inside its own unit of work and records each event id as processed in that
same transaction, so a redelivered event has no second effect.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence

from sqlalchemy import insert, select

from sos.core.events import DomainEvent, ProcessedMessage
from sos.core.request_context import continued_trace
from sos.core.uow import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger("sos.bus")


class Consumer(ABC):
    name: str

    @abstractmethod
    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        """Apply events that this consumer has not processed before, inside ``uow``."""


async def consume_once(uow_factory: UnitOfWorkFactory, consumer: Consumer, events: Sequence[DomainEvent]) -> int:
    """Runs ``consumer`` on the events it has not seen yet; returns how many it applied."""
    if not events:
        return 0
    async with uow_factory() as uow:
        seen_rows = await uow.connection.execute(
            select(ProcessedMessage.event_id).where(
                ProcessedMessage.consumer == consumer.name,
                ProcessedMessage.event_id.in_([event.id for event in events]),
            )
        )
        seen = set(seen_rows.scalars())
        fresh = []
        for event in events:
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
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._consumers: list[Consumer] = []

    def subscribe(self, consumer: Consumer) -> None:
        self._consumers.append(consumer)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Delivers to every consumer; raises if any consumer fails, so the relay retries the batch later."""
        for consumer in self._consumers:
            await consume_once(self._uow_factory, consumer, events)
