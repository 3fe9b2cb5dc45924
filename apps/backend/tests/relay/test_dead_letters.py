"""In the embedded mode a failing consumer holds back only itself, and after its attempts it parks the event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from sos.core.bus import Consumer, InProcessEventBus
from sos.core.container import Container
from sos.core.events import DeadLetter, DomainEvent, OutboxEvent
from sos.core.ids import new_id
from sos.core.relay import OutboxRelay
from sos.core.uow import UnitOfWork
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of

pytestmark = pytest.mark.usefixtures("quiet_relay")

MAX_ATTEMPTS = 3


class RecordingConsumer(Consumer):
    def __init__(self, name: str, *, poison: int | None = None) -> None:
        self.name = name
        self.poison = poison
        self.applied: list[UUID] = []

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        if any(event.payload.get("number") == self.poison for event in events):
            raise ValueError("this consumer cannot handle number 13")
        self.applied.extend(event.id for event in events)


def _bus(container: Container, *consumers: Consumer) -> InProcessEventBus:
    bus = InProcessEventBus(container.uow_factory, max_attempts=MAX_ATTEMPTS)
    for consumer in consumers:
        bus.subscribe(consumer)
    return bus


async def _relay_once(container: Container, *consumers: Consumer) -> int:
    """One relay pass as after a restart: a fresh bus and relay, so nothing is remembered in memory."""
    return await OutboxRelay(container.engine, _bus(container, *consumers), retry_seconds=0).relay_batch()


async def _published(container: Container) -> set[UUID]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(OutboxEvent.id).where(OutboxEvent.published_at.is_not(None)))
        return set(rows.scalars())


async def _dead_letters(container: Container) -> list[Any]:
    async with container.engine.connect() as connection:
        return list((await connection.execute(select(DeadLetter))).all())


@pytest.fixture
def three_events(tenant: Tenant) -> tuple[DomainEvent, DomainEvent, DomainEvent]:
    """A poisoned event, a later event of the same aggregate, and an event of another aggregate."""
    aggregate_id = new_id()
    return (
        event_of(tenant.organization_id, aggregate_id, number=13),
        event_of(tenant.organization_id, aggregate_id, number=1),
        event_of(tenant.organization_id, number=2),
    )


async def test_a_failing_consumer_does_not_stop_the_other_consumers(
    container: Container, three_events: tuple[DomainEvent, DomainEvent, DomainEvent]
) -> None:
    await commit_events(container, *three_events)
    healthy, fragile = RecordingConsumer("healthy"), RecordingConsumer("fragile", poison=13)
    await _relay_once(container, fragile, healthy)
    assert healthy.applied == [event.id for event in three_events]


async def test_a_failing_consumer_holds_only_the_failed_event_and_its_aggregates_later_ones(
    container: Container, three_events: tuple[DomainEvent, DomainEvent, DomainEvent]
) -> None:
    *_, other = three_events
    await commit_events(container, *three_events)
    fragile = RecordingConsumer("fragile", poison=13)
    await _relay_once(container, fragile, RecordingConsumer("healthy"))
    assert fragile.applied == [other.id]
    assert await _published(container) == {other.id}


async def test_a_consumer_failure_is_counted_durably_while_it_retries(
    container: Container, three_events: tuple[DomainEvent, DomainEvent, DomainEvent]
) -> None:
    await commit_events(container, *three_events)
    for _ in range(MAX_ATTEMPTS - 1):
        await _relay_once(container, RecordingConsumer("fragile", poison=13))
    [letter] = await _dead_letters(container)
    assert (letter.consumer, letter.event_id, letter.status, letter.attempts) == (
        "fragile",
        three_events[0].id,
        "retrying",
        MAX_ATTEMPTS - 1,
    )
    assert three_events[0].id not in await _published(container)


async def test_after_its_attempts_a_consumer_parks_the_event_and_goes_on(
    container: Container, three_events: tuple[DomainEvent, DomainEvent, DomainEvent]
) -> None:
    poisoned, later, _ = three_events
    await commit_events(container, *three_events)
    fragile = RecordingConsumer("fragile", poison=13)
    for _ in range(MAX_ATTEMPTS):
        await _relay_once(container, fragile)
    [letter] = await _dead_letters(container)
    assert letter.status == "parked"
    assert letter.attempts == MAX_ATTEMPTS
    assert (letter.event_type, letter.aggregate_id, letter.payload) == (
        poisoned.type,
        poisoned.aggregate_id,
        {"number": 13},
    )
    assert "cannot handle number 13" in letter.error
    assert letter.first_failed_at <= letter.last_failed_at
    assert later.id in fragile.applied
    assert await _published(container) == {event.id for event in three_events}


async def test_a_parked_event_is_not_handed_to_its_consumer_again(
    container: Container, three_events: tuple[DomainEvent, DomainEvent, DomainEvent]
) -> None:
    await commit_events(container, *three_events)
    for _ in range(MAX_ATTEMPTS):
        await _relay_once(container, RecordingConsumer("fragile", poison=13))
    recovered = RecordingConsumer("fragile")
    await _bus(container, recovered).publish(list(three_events))
    assert three_events[0].id not in recovered.applied


async def test_a_consumer_that_recovers_forgets_its_failure_count(
    container: Container, three_events: tuple[DomainEvent, DomainEvent, DomainEvent]
) -> None:
    await commit_events(container, *three_events)
    await _relay_once(container, RecordingConsumer("fragile", poison=13))
    recovered = RecordingConsumer("fragile")
    await _relay_once(container, recovered)
    assert await _dead_letters(container) == []
    assert await _published(container) == {event.id for event in three_events}
