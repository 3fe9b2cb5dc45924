"""A stop request (SIGTERM in `sos relay`) lets the batch in hand finish and be marked, then the relay returns."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.relay import OutboxRelay
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of

pytestmark = pytest.mark.usefixtures("quiet_relay")


class HeldPublisher:
    def __init__(self) -> None:
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        self.published: list[DomainEvent] = []

    async def publish(self, events: list[DomainEvent]) -> None:
        self.holding.set()
        await self.release.wait()
        self.published.extend(events)


async def test_a_stop_request_lets_the_batch_in_hand_finish_and_be_marked(container: Container, tenant: Tenant) -> None:
    event = event_of(tenant.organization_id)
    await commit_events(container, event)
    publisher = HeldPublisher()
    relay = OutboxRelay(container.engine, publisher, poll_seconds=0.01)
    running = asyncio.create_task(relay.run())
    await publisher.holding.wait()
    relay.request_stop()
    publisher.release.set()
    await asyncio.wait_for(running, timeout=10)
    async with container.engine.connect() as connection:
        published_at = (
            await connection.execute(select(OutboxEvent.published_at).where(OutboxEvent.id == event.id))
        ).scalar_one()
    assert published_at is not None
    assert [item.id for item in publisher.published] == [event.id]


async def test_a_relay_asked_to_stop_takes_no_further_batch(container: Container, tenant: Tenant) -> None:
    await commit_events(container, event_of(tenant.organization_id))
    publisher = HeldPublisher()
    publisher.release.set()
    relay = OutboxRelay(container.engine, publisher, poll_seconds=0.01)
    relay.request_stop()
    await asyncio.wait_for(relay.run(), timeout=10)
    assert publisher.published == []
