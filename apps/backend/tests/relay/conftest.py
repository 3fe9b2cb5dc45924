"""Fixtures for the relay tests: the shared tansu broker, a silenced in-process relay, and Kafka helpers."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaConsumer

from sos.core.container import Container
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.kafka import KafkaPublisher
from sos.core.relay import OutboxRelay
from sos.core.uow import UnitOfWork
from tests.kafka import kafka_broker, tansu_broker

__all__ = ["kafka_broker", "tansu_broker"]


@pytest.fixture
async def quiet_relay(container: Container) -> AsyncIterator[None]:
    """Stops the app's in-process relay, so the test's own relays are the only ones publishing."""
    await container.relay.stop()
    yield
    container.relay.start()


@pytest.fixture
def topic_prefix() -> str:
    """A prefix of the test's own, so its topics never hold another test's messages."""
    return f"t{secrets.token_hex(5)}"


def kafka_publisher(bootstrap: str, topic_prefix: str, *, timeout_seconds: float = 5.0) -> KafkaPublisher:
    # tansu cannot serve aiokafka's idempotent producer (InitProducerId v0); see tests/kafka.py.
    return KafkaPublisher(
        {"bootstrap_servers": bootstrap, "client_id": "sos-relay-tests"},
        topic_prefix=topic_prefix,
        idempotent=False,
        timeout_seconds=timeout_seconds,
        topic_partitions=3,
    )


def kafka_relay(container: Container, publisher: KafkaPublisher, **options: Any) -> OutboxRelay:
    return OutboxRelay(container.engine, publisher, **options)


def event_of(
    organization_id: UUID, aggregate_id: UUID | None = None, *, aggregate_type: str = "test", number: int = 0
) -> DomainEvent:
    return DomainEvent(
        type="test.happened",
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id or new_id(),
        organization_id=organization_id,
        payload={"number": number},
    )


async def commit_events(container: Container, *events: DomainEvent) -> None:
    async with UnitOfWork(container.engine) as uow:
        uow.record(*events)
        await uow.commit()


async def read_topic(bootstrap: str, topic: str, expected: int, *, timeout_seconds: float = 15.0) -> list[Any]:
    """Every message of ``topic`` from the start, once ``expected`` arrived (plus any that follow in a moment)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        while len(records) < expected and loop.time() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            records.extend(record for batch in batches.values() for record in batch)
        batches = await consumer.getmany(timeout_ms=300)
        records.extend(record for batch in batches.values() for record in batch)
    finally:
        await consumer.stop()
    return records
