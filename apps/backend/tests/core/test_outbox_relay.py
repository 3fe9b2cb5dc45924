"""The unit of work writes events to the outbox atomically; the relay delivers each at least once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update

from sos.core.bus import Consumer, consume_once
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import DomainEvent, OutboxEvent, ProcessedMessage
from sos.core.ids import new_id
from sos.core.relay import OutboxRelay
from sos.core.uow import UnitOfWork
from sos.timeline.models import TimelineEntry
from tests.factories import Tenant, raise_sos


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.published: list[DomainEvent] = []
        self.fail = fail

    async def publish(self, events: list[DomainEvent]) -> None:
        if self.fail:
            raise ConnectionError("broker unreachable")
        await asyncio.sleep(0)
        self.published.extend(events)


def _event(organization_id: UUID, number: int = 0) -> DomainEvent:
    return DomainEvent(
        type="test.happened",
        aggregate_type="test",
        aggregate_id=new_id(),
        organization_id=organization_id,
        payload={"number": number},
    )


async def _outbox_count(container: Container, *, published: bool | None = None) -> int:
    query = select(func.count()).select_from(OutboxEvent)
    if published is not None:
        query = query.where(OutboxEvent.published_at.is_not(None) if published else OutboxEvent.published_at.is_(None))
    async with container.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


@pytest.fixture
async def quiet_relay(container: Container) -> AsyncIterator[None]:
    """Stops the app's background relay so the test's own relays are the only ones publishing."""
    await container.relay.stop()
    yield
    container.relay.start()


async def test_committed_unit_of_work_writes_its_events_to_the_outbox(container: Container, tenant: Tenant) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(_event(tenant.organization_id), _event(tenant.organization_id))
        await uow.commit()
    assert await _outbox_count(container) == 2


async def test_unit_of_work_left_without_commit_writes_nothing(container: Container, tenant: Tenant) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(_event(tenant.organization_id))
    assert await _outbox_count(container) == 0


async def test_failure_inside_unit_of_work_rolls_back_events(container: Container, tenant: Tenant) -> None:
    async def failing_use_case() -> None:
        async with UnitOfWork(container.engine) as uow:
            uow.record(_event(tenant.organization_id))
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    assert await _outbox_count(container) == 0


@pytest.mark.usefixtures("quiet_relay")
async def test_relay_publishes_pending_events_in_order_and_marks_them(container: Container, tenant: Tenant) -> None:
    events = [_event(tenant.organization_id, number) for number in range(5)]
    async with UnitOfWork(container.engine) as uow:
        uow.record(*events)
        await uow.commit()
    publisher = RecordingPublisher()
    published = await OutboxRelay(container.engine, publisher, batch_size=2).drain()
    assert published == 5
    assert [event.id for event in publisher.published] == [event.id for event in events]
    assert await _outbox_count(container, published=False) == 0


@pytest.mark.usefixtures("quiet_relay")
async def test_failed_publish_keeps_events_pending_with_the_error(container: Container, tenant: Tenant) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(_event(tenant.organization_id))
        await uow.commit()
    assert await OutboxRelay(container.engine, RecordingPublisher(fail=True)).drain() == 0
    async with container.engine.connect() as connection:
        row = (await connection.execute(select(OutboxEvent))).one()
    assert row.published_at is None
    assert "broker unreachable" in (row.last_error or "")


@pytest.mark.usefixtures("quiet_relay")
async def test_events_of_a_failed_publish_are_redelivered_after_the_lease(container: Container, tenant: Tenant) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(_event(tenant.organization_id))
        await uow.commit()
    await OutboxRelay(container.engine, RecordingPublisher(fail=True)).drain()
    async with container.engine.begin() as connection:
        await connection.execute(update(OutboxEvent).values(lease_until=utcnow()))
    publisher = RecordingPublisher()
    assert await OutboxRelay(container.engine, publisher).drain() == 1
    assert len(publisher.published) == 1


@pytest.mark.usefixtures("quiet_relay")
async def test_leased_events_are_not_claimed_by_a_second_relay(container: Container, tenant: Tenant) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(_event(tenant.organization_id))
        await uow.commit()
    await OutboxRelay(container.engine, RecordingPublisher(fail=True)).drain()
    publisher = RecordingPublisher()
    assert await OutboxRelay(container.engine, publisher).drain() == 0
    assert publisher.published == []


@pytest.mark.usefixtures("quiet_relay")
async def test_concurrent_relays_publish_each_event_once(container: Container, tenant: Tenant) -> None:
    events = [_event(tenant.organization_id, number) for number in range(300)]
    async with UnitOfWork(container.engine) as uow:
        uow.record(*events)
        await uow.commit()
    publishers = [RecordingPublisher() for _ in range(3)]
    relays = [OutboxRelay(container.engine, publisher, batch_size=20) for publisher in publishers]
    await asyncio.gather(*(relay.drain() for relay in relays))
    delivered = [event.id for publisher in publishers for event in publisher.published]
    assert sorted(delivered) == sorted(event.id for event in events)


class PoisonAwarePublisher(RecordingPublisher):
    """Fails any batch that holds an event whose payload is marked poison, like a consumer choking on it."""

    async def publish(self, events: list[DomainEvent]) -> None:
        if any(event.payload.get("poison") for event in events):
            raise ValueError("cannot handle this event")
        await super().publish(events)


@pytest.mark.usefixtures("quiet_relay")
async def test_a_poisoned_event_does_not_hold_back_the_rest_of_its_batch(container: Container, tenant: Tenant) -> None:
    events = [_event(tenant.organization_id, number) for number in range(4)]
    poisoned = DomainEvent(
        type="test.happened",
        aggregate_type="test",
        aggregate_id=new_id(),
        organization_id=tenant.organization_id,
        payload={"poison": True},
    )
    async with UnitOfWork(container.engine) as uow:
        uow.record(events[0], events[1], poisoned, events[2], events[3])
        await uow.commit()
    publisher = PoisonAwarePublisher()
    assert await OutboxRelay(container.engine, publisher).drain() == 4
    assert [event.id for event in publisher.published] == [event.id for event in events]
    assert await _outbox_count(container, published=False) == 1


@pytest.mark.usefixtures("quiet_relay")
async def test_events_after_a_poisoned_one_of_the_same_aggregate_wait_for_it(
    container: Container, tenant: Tenant
) -> None:
    aggregate_id = new_id()

    def of_aggregate(payload: dict[str, object]) -> DomainEvent:
        return DomainEvent(
            type="test.happened",
            aggregate_type="test",
            aggregate_id=aggregate_id,
            organization_id=tenant.organization_id,
            payload=payload,
        )

    async with UnitOfWork(container.engine) as uow:
        uow.record(of_aggregate({"poison": True}), of_aggregate({"number": 1}))
        await uow.commit()
    publisher = PoisonAwarePublisher()
    assert await OutboxRelay(container.engine, publisher).drain() == 0
    assert publisher.published == []
    assert await _outbox_count(container, published=False) == 2


class CountingConsumer(Consumer):
    name = "counting"

    def __init__(self) -> None:
        self.applied: list[UUID] = []

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        self.applied.extend(event.id for event in events)


async def test_consumer_applies_a_redelivered_event_once(container: Container, tenant: Tenant) -> None:
    consumer = CountingConsumer()
    events = [_event(tenant.organization_id)]
    await consume_once(container.uow_factory, consumer, events)
    await consume_once(container.uow_factory, consumer, events)
    assert consumer.applied == [events[0].id]


async def test_consumer_records_its_processed_keys(container: Container, tenant: Tenant) -> None:
    events = [_event(tenant.organization_id, number) for number in range(3)]
    await consume_once(container.uow_factory, CountingConsumer(), events)
    async with container.engine.connect() as connection:
        keys = set((await connection.execute(select(ProcessedMessage.event_id))).scalars())
    assert keys == {event.id for event in events}


async def test_app_relay_projects_a_raised_sos_onto_its_timeline(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    async with container.engine.connect() as connection:
        kinds = (
            await connection.execute(select(TimelineEntry.kind).where(TimelineEntry.alert_id == UUID(alert["id"])))
        ).scalars()
        assert list(kinds) == ["alert.triggered"]


async def test_events_without_an_alert_or_incident_stay_off_the_timeline(container: Container, tenant: Tenant) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(_event(tenant.organization_id))
        await uow.commit()
    await container.relay.drain()
    async with container.engine.connect() as connection:
        entries = (await connection.execute(select(func.count()).select_from(TimelineEntry))).scalar_one()
    assert entries == 0
