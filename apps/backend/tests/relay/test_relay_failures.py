"""How the relay settles a batch the publisher took only partly, rejected for good, or could not reach."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.ids import new_id
from sos.core.relay import OutboxRelay, PartialPublish, PublisherUnavailable, UndeliverableEvent
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of

pytestmark = pytest.mark.usefixtures("quiet_relay")


class ScriptedPublisher:
    """Publishes, except that a batch holding a poisoned event (number 13) fails as ``failure`` says."""

    def __init__(self, failure: str) -> None:
        self.failure = failure
        self.calls: list[list[UUID]] = []
        self.delivered: list[UUID] = []

    async def publish(self, events: list[DomainEvent]) -> None:
        self.calls.append([event.id for event in events])
        poisoned = [event for event in events if event.payload.get("number") == 13]
        if not poisoned:
            self.delivered.extend(event.id for event in events)
            return
        if self.failure == "undeliverable":
            raise UndeliverableEvent("record too large")
        if self.failure == "transient":
            raise ConnectionError("broker went away")
        if self.failure == "unavailable-after-first":
            if len(events) > 1:
                raise RuntimeError("batch failed")
            raise PublisherUnavailable("Kafka is unavailable")
        # "partial": everything before the poisoned event is acknowledged, it fails, the rest is not attempted.
        cut = events.index(poisoned[0])
        self.delivered.extend(event.id for event in events[:cut])
        raise PartialPublish([event.id for event in events[:cut]], {poisoned[0].id: ValueError("rejected")})


async def _rows(container: Container) -> dict[UUID, Any]:
    async with container.engine.connect() as connection:
        return {row.id: row for row in (await connection.execute(select(OutboxEvent))).all()}


async def test_a_partial_publish_marks_the_acknowledged_events_sent_and_publishes_none_twice(
    container: Container, tenant: Tenant
) -> None:
    held_aggregate = new_id()
    first, second = event_of(tenant.organization_id, number=1), event_of(tenant.organization_id, number=2)
    poisoned = event_of(tenant.organization_id, held_aggregate, number=13)
    behind = event_of(tenant.organization_id, held_aggregate, number=3)
    unrelated = event_of(tenant.organization_id, number=4)
    await commit_events(container, first, second, poisoned, behind, unrelated)
    publisher = ScriptedPublisher("partial")
    assert await OutboxRelay(container.engine, publisher).relay_batch() == 3
    assert publisher.delivered == [first.id, second.id, unrelated.id]
    rows = await _rows(container)
    assert {event_id for event_id, row in rows.items() if row.published_at is not None} == set(publisher.delivered)
    assert rows[behind.id].last_error is not None


async def test_an_undeliverable_event_is_parked_after_its_attempts_and_its_aggregate_goes_on(
    container: Container, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    aggregate_id = new_id()
    poisoned = event_of(tenant.organization_id, aggregate_id, number=13)
    behind = event_of(tenant.organization_id, aggregate_id, number=1)
    await commit_events(container, poisoned, behind)
    publisher = ScriptedPublisher("undeliverable")
    relay = OutboxRelay(container.engine, publisher, retry_seconds=0, max_attempts=2)
    assert await relay.relay_batch() == 0
    assert (await _rows(container))[poisoned.id].parked_at is None
    assert await relay.relay_batch() == 1
    rows = await _rows(container)
    assert rows[poisoned.id].parked_at is not None
    assert rows[poisoned.id].published_at is None
    assert "record too large" in rows[poisoned.id].last_error
    assert publisher.delivered == [behind.id]
    assert any(record.levelname == "ERROR" and "PARKED" in record.message for record in caplog.records)


async def test_a_parked_event_is_not_claimed_again(container: Container, tenant: Tenant) -> None:
    await commit_events(container, event_of(tenant.organization_id, number=13))
    publisher = ScriptedPublisher("undeliverable")
    relay = OutboxRelay(container.engine, publisher, retry_seconds=0, max_attempts=1)
    await relay.relay_batch()
    calls = len(publisher.calls)
    assert await relay.drain() == 0
    assert len(publisher.calls) == calls


async def test_a_transient_failure_never_parks_an_event(container: Container, tenant: Tenant) -> None:
    poisoned = event_of(tenant.organization_id, number=13)
    await commit_events(container, poisoned)
    relay = OutboxRelay(container.engine, ScriptedPublisher("transient"), retry_seconds=0, max_attempts=2)
    for _ in range(4):
        await relay.relay_batch()
    row = (await _rows(container))[poisoned.id]
    assert row.attempts >= 4
    assert row.parked_at is None
    assert "broker went away" in row.last_error


async def test_an_unavailable_stream_holds_the_current_and_all_remaining_events_at_once(
    container: Container, tenant: Tenant
) -> None:
    first = event_of(tenant.organization_id, number=1)
    poisoned = event_of(tenant.organization_id, number=13)
    rest = [event_of(tenant.organization_id, number=number) for number in range(20, 25)]
    await commit_events(container, first, poisoned, *rest)
    publisher = ScriptedPublisher("unavailable-after-first")
    assert await OutboxRelay(container.engine, publisher).relay_batch() == 1
    assert publisher.calls[-1] == [poisoned.id]
    rows = await _rows(container)
    for event in [poisoned, *rest]:
        assert rows[event.id].published_at is None
        assert rows[event.id].last_error == "Kafka is unavailable"


class EndlessPublisher:
    def __init__(self) -> None:
        self.calls = 0
        self.called = asyncio.Event()

    async def publish(self, events: list[DomainEvent]) -> None:
        self.calls += 1
        self.called.set()
        await asyncio.Event().wait()


async def test_the_final_drain_of_a_stop_is_bounded(container: Container, tenant: Tenant) -> None:
    await commit_events(container, event_of(tenant.organization_id))
    publisher = EndlessPublisher()
    # Time enough to claim the event on a busy machine; the publish that follows never ends.
    relay = OutboxRelay(container.engine, publisher, poll_seconds=60, lease_seconds=0.2, final_drain_seconds=2)
    relay.start()
    await asyncio.sleep(0)
    await asyncio.wait_for(relay.stop(), timeout=10)
    assert publisher.calls == 1


async def test_a_cancelled_stop_is_not_swallowed(container: Container, tenant: Tenant) -> None:
    await commit_events(container, event_of(tenant.organization_id))
    publisher = EndlessPublisher()
    relay = OutboxRelay(container.engine, publisher, poll_seconds=0.01, lease_seconds=30)
    relay.start()
    await publisher.called.wait()
    stopping = asyncio.create_task(relay.stop())
    await asyncio.sleep(0)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
