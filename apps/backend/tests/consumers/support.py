"""Helpers for the consumer-group tests: real events, raw messages on tansu, and running groups in the background."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from httpx import AsyncClient
from sqlalchemy import func, select, update

from sos.core.bus import Consumer
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import DomainEvent, OutboxEvent, ProcessedMessage, event_from_row
from sos.core.kafka import encode_event, event_headers, event_key
from sos.core.kafka_consumer import ConsumerGroups, RunnerTuning
from sos.core.uow import UnitOfWork
from sos.timeline.models import TimelineEntry
from tests.factories import Tenant, raise_sos

# Quick polls, metadata and backoffs, so a test sees new topics and retries within a second or two.
FAST = RunnerTuning(
    poll_timeout_ms=200,
    metadata_max_age_ms=500,
    session_timeout_ms=6_000,
    heartbeat_interval_ms=500,
    retry_backoff_seconds=0.05,
    retry_backoff_max_seconds=0.2,
    outage_backoff_seconds=0.1,
    outage_backoff_max_seconds=0.5,
)
DEADLINE_SECONDS = 40.0


@dataclass(frozen=True, slots=True)
class Produced:
    partition: TopicPartition
    offset: int


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Waits until ``check`` holds: the broker and the consumer groups run on their own clocks."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {DEADLINE_SECONDS:g} s waiting for {what}")
        await asyncio.sleep(0.05)


async def unpublished_alert_event(client: AsyncClient, container: Container, tenant: Tenant) -> DomainEvent:
    """A real ``alert.triggered`` event, taken out of the outbox so only the test puts it on the wire."""
    alert = await raise_sos(client, tenant.reporter)
    async with container.engine.begin() as connection:
        row = (
            await connection.execute(
                select(OutboxEvent).where(
                    OutboxEvent.aggregate_id == UUID(alert["id"]), OutboxEvent.event_type == "alert.triggered"
                )
            )
        ).one()
        await connection.execute(update(OutboxEvent).where(OutboxEvent.id == row.id).values(published_at=utcnow()))
    return event_from_row(row)


def message_of(event: DomainEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return event_key(event), encode_event(event), event_headers(event)


async def produce(
    bootstrap: str, topic: str, messages: Sequence[tuple[bytes, bytes, list[tuple[str, bytes]]]]
) -> list[Produced]:
    """Sends each (key, value, headers) to partition 0 of ``topic``, in order; returns where each landed."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        landed = []
        for key, value, headers in messages:
            metadata = await producer.send_and_wait(topic, value, key=key, headers=headers, partition=0)
            landed.append(Produced(TopicPartition(topic, 0), metadata.offset))
        return landed
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every message in ``topic`` so far, partition by partition."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        await reader.topics()
        partitions = [TopicPartition(topic, number) for number in sorted(reader.partitions_for_topic(topic) or ())]
        ends = await reader.end_offsets(partitions) if partitions else {}
        wanted = {partition: end for partition, end in ends.items() if end > 0}
        if not wanted:
            return []
        reader.assign(list(wanted))
        for partition in wanted:
            reader.seek(partition, 0)
        messages: list[Any] = []
        while len(messages) < sum(wanted.values()):
            batch = await reader.getmany(*wanted, timeout_ms=500)
            messages.extend(message for partition in wanted for message in batch.get(partition, []))
        return messages
    finally:
        await reader.stop()


def header(message: Any, name: str) -> str | None:
    return next((value.decode() for key, value in message.headers if key == name and value is not None), None)


@contextlib.asynccontextmanager
async def running(groups: ConsumerGroups) -> AsyncIterator[ConsumerGroups]:
    stop = asyncio.Event()
    task = asyncio.create_task(groups.run(stop))
    try:
        yield groups
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def timeline_kinds(container: Container, alert_id: UUID) -> list[str]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(TimelineEntry.kind).where(TimelineEntry.alert_id == alert_id).order_by(TimelineEntry.id)
        )
        return list(rows.scalars())


async def processed_by(container: Container, event_id: UUID) -> set[str]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(ProcessedMessage.consumer).where(ProcessedMessage.event_id == event_id))
        return set(rows.scalars())


async def processed_count(container: Container, consumer: str) -> int:
    async with container.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(ProcessedMessage).where(ProcessedMessage.consumer == consumer)
        )
        return int(count or 0)


class RecordingConsumer(Consumer):
    """Applies nothing but its processed-message keys; fails on the events it is told to."""

    def __init__(
        self, name: str, failing: frozenset[UUID] = frozenset(), event_types: frozenset[str] | None = None
    ) -> None:
        self.name = name
        self.failing = failing
        self.event_types = event_types
        self.handed: list[UUID] = []

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        self.handed.extend(event.id for event in events)
        for event in events:
            if event.id in self.failing:
                raise RuntimeError(f"cannot handle {event.id}")
