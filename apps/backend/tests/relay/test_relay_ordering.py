"""Several relays at once keep each aggregate's events in order: a later event waits while an earlier one is held."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select, update

from sos.core.config import DatabaseKind
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.ids import new_id
from sos.core.relay import OutboxRelay, PublisherUnavailable
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of

pytestmark = pytest.mark.usefixtures("quiet_relay")


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[DomainEvent] = []
        self.calls = 0

    async def publish(self, events: list[DomainEvent]) -> None:
        self.calls += 1
        self.published.extend(events)


class BlockedPublisher(RecordingPublisher):
    """Holds every batch until released, like a broker that has not acknowledged yet."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def publish(self, events: list[DomainEvent]) -> None:
        self.holding.set()
        await self.release.wait()
        await super().publish(events)


class UnavailablePublisher(RecordingPublisher):
    async def publish(self, events: list[DomainEvent]) -> None:
        self.calls += 1
        raise PublisherUnavailable("broker unreachable")


def _numbers(publisher: RecordingPublisher, aggregate_id: UUID) -> list[int]:
    return [event.payload["number"] for event in publisher.published if event.aggregate_id == aggregate_id]


@asynccontextmanager
async def _claim_in_progress(container: Container, event: DomainEvent) -> AsyncIterator[None]:
    """Another relay in the middle of claiming ``event``: its row lock is taken, its lease not yet written.

    SQLite has a single writer, so no claim can be caught half-way there; the other relay's lease stands in.
    """
    if container.settings.database_kind is DatabaseKind.SQLITE:
        async with container.engine.begin() as connection:
            await connection.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event.id)
                .values(lease_owner="other", lease_until=utcnow() + timedelta(minutes=1))
            )
        yield
        async with container.engine.begin() as connection:
            await connection.execute(
                update(OutboxEvent).where(OutboxEvent.id == event.id).values(lease_owner=None, lease_until=None)
            )
        return
    async with container.engine.connect() as connection, connection.begin():
        await connection.execute(select(OutboxEvent.id).where(OutboxEvent.id == event.id).with_for_update())
        yield


async def test_later_events_wait_while_another_relay_publishes_an_earlier_one(
    container: Container, tenant: Tenant
) -> None:
    aggregate_id = new_id()
    first, second = (event_of(tenant.organization_id, aggregate_id, number=n) for n in (1, 2))
    await commit_events(container, first)
    await commit_events(container, second)
    slow = BlockedPublisher()
    busy_relay = asyncio.create_task(OutboxRelay(container.engine, slow, batch_size=1).relay_batch())
    await slow.holding.wait()

    other = RecordingPublisher()
    assert await OutboxRelay(container.engine, other).drain() == 0
    slow.release.set()
    await busy_relay
    await OutboxRelay(container.engine, other).drain()

    assert _numbers(slow, aggregate_id) == [1]
    assert _numbers(other, aggregate_id) == [2]


async def test_later_events_wait_while_another_relay_is_claiming_an_earlier_one(
    container: Container, tenant: Tenant
) -> None:
    aggregate_id = new_id()
    first, second = (event_of(tenant.organization_id, aggregate_id, number=n) for n in (1, 2))
    await commit_events(container, first)
    await commit_events(container, second)
    publisher = RecordingPublisher()
    async with _claim_in_progress(container, first):
        assert await OutboxRelay(container.engine, publisher).drain() == 0
    assert await OutboxRelay(container.engine, publisher).drain() == 2
    assert _numbers(publisher, aggregate_id) == [1, 2]


async def test_a_held_aggregates_backlog_does_not_hold_back_other_aggregates(
    container: Container, tenant: Tenant
) -> None:
    held, free = new_id(), new_id()
    for number in (1, 2, 3):
        await commit_events(container, event_of(tenant.organization_id, held, number=number))
    await commit_events(container, event_of(tenant.organization_id, free, number=4))
    slow = BlockedPublisher()
    busy_relay = asyncio.create_task(OutboxRelay(container.engine, slow, batch_size=1).relay_batch())
    await slow.holding.wait()

    other = RecordingPublisher()
    await OutboxRelay(container.engine, other, batch_size=2).drain()
    slow.release.set()
    await busy_relay

    assert _numbers(other, free) == [4]
    assert _numbers(other, held) == []


async def test_an_unreachable_broker_holds_the_whole_batch_with_its_error(container: Container, tenant: Tenant) -> None:
    await commit_events(container, *(event_of(tenant.organization_id, number=n) for n in range(3)))
    publisher = UnavailablePublisher()
    assert await OutboxRelay(container.engine, publisher).drain() == 0
    assert publisher.calls == 1
    async with container.engine.connect() as connection:
        errors = (await connection.execute(select(OutboxEvent.last_error))).scalars().all()
    assert errors == ["broker unreachable"] * 3


async def test_held_events_are_retried_after_the_retry_delay(container: Container, tenant: Tenant) -> None:
    await commit_events(container, event_of(tenant.organization_id))
    await OutboxRelay(container.engine, UnavailablePublisher(), retry_seconds=0.0).drain()
    publisher = RecordingPublisher()
    assert await OutboxRelay(container.engine, publisher).drain() == 1
