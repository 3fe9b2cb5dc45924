"""The relay publishes the outbox to a real Kafka-protocol broker: right topic, key, headers and order."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from uuid import UUID

import pytest

from sos.core.container import Container
from sos.core.ids import new_id
from sos.core.kafka import decode_event
from sos.core.relay import OutboxRelay
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of, kafka_publisher, read_topic

pytestmark = pytest.mark.usefixtures("quiet_relay")


async def test_an_event_lands_on_its_aggregate_types_topic_keyed_by_aggregate_id(
    container: Container, tenant: Tenant, kafka_broker: str, topic_prefix: str
) -> None:
    event = event_of(tenant.organization_id, aggregate_type="alert", number=7)
    await commit_events(container, event)
    publisher = kafka_publisher(kafka_broker, topic_prefix)
    try:
        assert await OutboxRelay(container.engine, publisher).drain() >= 1
    finally:
        await publisher.stop()
    [record] = await read_topic(kafka_broker, f"{topic_prefix}.alert", 1)
    assert record.key == str(event.aggregate_id).encode()
    assert json.loads(record.value)["payload"] == {"number": 7}
    assert decode_event(record.value, record.headers).id == event.id


async def test_a_published_message_carries_id_type_version_and_trace_headers(
    container: Container, tenant: Tenant, kafka_broker: str, topic_prefix: str
) -> None:
    event = event_of(tenant.organization_id, aggregate_type="alert")
    await commit_events(container, event)
    publisher = kafka_publisher(kafka_broker, topic_prefix)
    try:
        await OutboxRelay(container.engine, publisher).drain()
    finally:
        await publisher.stop()
    [record] = await read_topic(kafka_broker, f"{topic_prefix}.alert", 1)
    headers = {name: value.decode() for name, value in record.headers}
    assert headers["event_id"] == str(event.id)
    assert headers["event_type"] == "test.happened"
    assert headers["schema_version"] == "1"
    assert headers["content-type"] == "application/json"
    assert headers["traceparent"].startswith("00-")
    assert decode_event(record.value, record.headers).trace_context == headers["traceparent"]


async def test_one_aggregates_events_arrive_in_commit_order(
    container: Container, tenant: Tenant, kafka_broker: str, topic_prefix: str
) -> None:
    aggregate_id = new_id()
    for number in range(6):
        await commit_events(container, event_of(tenant.organization_id, aggregate_id, number=number))
    publisher = kafka_publisher(kafka_broker, topic_prefix)
    try:
        await OutboxRelay(container.engine, publisher, batch_size=4).drain()
    finally:
        await publisher.stop()
    records = await read_topic(kafka_broker, f"{topic_prefix}.test", 6)
    assert [json.loads(record.value)["payload"]["number"] for record in records] == list(range(6))


async def test_two_relays_at_once_publish_each_event_once_and_each_aggregate_in_order(
    container: Container, tenant: Tenant, kafka_broker: str, topic_prefix: str
) -> None:
    aggregates = [new_id() for _ in range(6)]
    events = [event_of(tenant.organization_id, aggregates[n % 6], number=n) for n in range(60)]
    for start in range(0, len(events), 6):
        await commit_events(container, *events[start : start + 6])
    publishers = [kafka_publisher(kafka_broker, topic_prefix) for _ in range(2)]
    relays = [OutboxRelay(container.engine, publisher, batch_size=5) for publisher in publishers]
    try:
        await asyncio.gather(*(relay.drain() for relay in relays))
    finally:
        for publisher in publishers:
            await publisher.stop()
    records = await read_topic(kafka_broker, f"{topic_prefix}.test", len(events))
    delivered = [decode_event(record.value, record.headers) for record in records]
    assert sorted(event.id for event in delivered) == sorted(event.id for event in events)
    numbers_by_aggregate: dict[UUID, list[int]] = defaultdict(list)
    for event in delivered:
        numbers_by_aggregate[event.aggregate_id].append(event.payload["number"])
    assert all(numbers == sorted(numbers) for numbers in numbers_by_aggregate.values())
