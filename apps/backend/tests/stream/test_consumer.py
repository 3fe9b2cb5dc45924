"""The stream consumer when its log cannot be reached: best effort beside the in-process bus, retried with Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent, event_from_row
from sos.stream.consumer import StreamConsumer
from sos.stream.domain import Cursor, StreamEntry, StreamRecord, StreamUnavailable
from sos.stream.log import StreamLog
from tests.factories import Tenant, raise_sos


class UnreachableLog(StreamLog):
    """A log whose Redis is down: every append fails as the Redis log's does."""

    def __init__(self) -> None:
        self.attempts = 0

    async def append(self, records: Sequence[StreamRecord]) -> None:
        self.attempts += 1
        raise StreamUnavailable("redis is down")

    async def head(self, organization_id: str) -> Cursor:
        raise StreamUnavailable("redis is down")

    async def read_after(self, organization_id: str, cursor: Cursor, limit: int) -> list[StreamEntry]:
        raise StreamUnavailable("redis is down")

    async def close(self) -> None:
        return None


async def _triggered(client: AsyncClient, container: Container, tenant: Tenant) -> list[DomainEvent]:
    alert = await raise_sos(client, tenant.reporter)
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(OutboxEvent).where(OutboxEvent.aggregate_id == UUID(alert["id"])))
        return [event_from_row(row) for row in rows]


async def test_beside_the_in_process_bus_an_unreachable_log_is_skipped_and_the_event_counts_as_processed(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    log = UnreachableLog()
    events = await _triggered(client, container, tenant)
    consumer = StreamConsumer(log, best_effort=True)
    assert await consume_once(container.uow_factory, consumer, events) == len(events)
    assert await consume_once(container.uow_factory, consumer, events) == 0
    assert log.attempts == 1


async def test_with_kafka_an_unreachable_log_fails_the_batch_so_it_is_retried(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    log = UnreachableLog()
    events = await _triggered(client, container, tenant)
    with pytest.raises(StreamUnavailable):
        await consume_once(container.uow_factory, StreamConsumer(log), events)
    with pytest.raises(StreamUnavailable):
        await consume_once(container.uow_factory, StreamConsumer(log), events)
    assert log.attempts == 2
