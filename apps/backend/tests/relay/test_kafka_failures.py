"""The Kafka publisher reports per event what the broker took, parks what it never will, and leaks no producer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError
from sqlalchemy import select

from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.ids import new_id
from sos.core.kafka import KafkaPublisher, decode_event
from sos.core.relay import OutboxRelay, PartialPublish
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of, kafka_publisher, read_topic

pytestmark = pytest.mark.usefixtures("quiet_relay")

TOO_LARGE = "x" * 1_200_000


async def test_an_oversized_event_is_parked_and_the_rest_of_its_aggregate_and_batch_is_delivered(
    container: Container, tenant: Tenant, kafka_broker: str, topic_prefix: str
) -> None:
    aggregate_id = new_id()
    oversized = DomainEvent(
        type="test.happened",
        aggregate_type="test",
        aggregate_id=aggregate_id,
        organization_id=tenant.organization_id,
        payload={"blob": TOO_LARGE},
    )
    behind = event_of(tenant.organization_id, aggregate_id, number=1)
    other = event_of(tenant.organization_id, number=2)
    await commit_events(container, oversized, behind, other)
    publisher = kafka_publisher(kafka_broker, topic_prefix)
    relay = OutboxRelay(container.engine, publisher, retry_seconds=0, max_attempts=2)
    try:
        assert await relay.relay_batch() == 1
        assert await relay.relay_batch() == 1
    finally:
        await publisher.stop()
    records = await read_topic(kafka_broker, f"{topic_prefix}.test", 2)
    # The two aggregates may land on different partitions, so only the set of messages is certain.
    assert sorted(decode_event(record.value, record.headers).id for record in records) == sorted([other.id, behind.id])
    async with container.engine.connect() as connection:
        parked = (await connection.execute(select(OutboxEvent).where(OutboxEvent.id == oversized.id))).one()
    assert parked.parked_at is not None
    assert parked.published_at is None
    assert "MessageSizeTooLargeError" in parked.last_error


class StallingProducer:
    """Takes ``accepted`` sends (acknowledged a moment later), then times out waiting for metadata."""

    def __init__(self, accepted: int) -> None:
        self.accepted = accepted
        self.futures: list[asyncio.Future[Any]] = []

    async def send(self, topic: str, value: bytes, **_: Any) -> asyncio.Future[Any]:
        if len(self.futures) == self.accepted:
            raise KafkaTimeoutError("metadata not available")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, future.set_result, None)
        self.futures.append(future)
        return future


async def test_a_send_failing_partway_reports_the_events_already_acknowledged(tenant: Tenant) -> None:
    events = [event_of(tenant.organization_id, number=number) for number in range(4)]
    publisher = KafkaPublisher({"bootstrap_servers": "127.0.0.1:1"}, topic_prefix="t", timeout_seconds=2)
    producer = StallingProducer(accepted=2)
    publisher._producer = producer
    publisher._topics.add("t.test")
    with pytest.raises(PartialPublish) as partial:
        await publisher.publish(events)
    assert partial.value.acked == {events[0].id, events[1].id}
    assert all(future.done() for future in producer.futures)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers, so a Kafka client's start hangs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


async def test_a_producer_whose_start_is_cancelled_is_stopped(
    silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped: list[AIOKafkaProducer] = []
    original_stop = AIOKafkaProducer.stop

    async def recording_stop(self: AIOKafkaProducer) -> None:
        stopped.append(self)
        await original_stop(self)

    monkeypatch.setattr(AIOKafkaProducer, "stop", recording_stop)
    publisher = KafkaPublisher({"bootstrap_servers": f"127.0.0.1:{silent_port}"}, topic_prefix="t", idempotent=False)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await publisher.start()
    assert len(stopped) == 1
    assert publisher._producer is None
