"""Fault test: a `sos relay` killed with SIGKILL after publishing but before marking; the event still arrives and
the idempotent consumer absorbs the duplicate. A SIGTERM stops a relay cleanly."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from sos.core.bus import Consumer, consume_once
from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.kafka import decode_event
from sos.core.uow import UnitOfWork
from tests.factories import Tenant
from tests.kafka import running_tansu
from tests.relay.conftest import commit_events, event_of, read_topic
from tests.relay.processes import eventually, kill_hard, relay_environment, start_relay, unread_bytes_at

pytestmark = pytest.mark.usefixtures("quiet_relay")


class CountingConsumer(Consumer):
    name = "relay-crash-test"

    def __init__(self) -> None:
        self.applied: list[UUID] = []

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        self.applied.extend(event.id for event in events)


class Outbox:
    def __init__(self, container: Container) -> None:
        self.container = container

    async def _column(self, event: DomainEvent, column: str) -> object:
        async with self.container.engine.connect() as connection:
            query = select(getattr(OutboxEvent, column)).where(OutboxEvent.id == event.id)
            return (await connection.execute(query)).scalar_one()

    async def is_published(self, event: DomainEvent) -> bool:
        return await self._column(event, "published_at") is not None

    async def is_leased(self, event: DomainEvent) -> bool:
        return await self._column(event, "lease_owner") is not None


async def test_a_relay_killed_between_publish_and_mark_loses_nothing_and_the_duplicate_is_absorbed(
    container: Container, tenant: Tenant, database_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    outbox = Outbox(container)
    warm_up, event = event_of(tenant.organization_id, number=0), event_of(tenant.organization_id, number=1)
    with running_tansu(tmp_path) as broker:
        environment = relay_environment(database_url, tmp_path, broker.bootstrap, topic_prefix)
        first_relay = start_relay(environment, tmp_path / "relay-1.log")
        try:
            await commit_events(container, warm_up)
            await eventually(lambda: outbox.is_published(warm_up), what="the first relay to publish")
            # A frozen broker takes the produce request into its socket but acknowledges nothing.
            os.kill(broker.pid, signal.SIGSTOP)
            try:
                await commit_events(container, event)
                await eventually(lambda: outbox.is_leased(event), what="the relay to claim the event")
                await eventually(lambda: unread_bytes_at(broker.port) > 0, what="the produce request to be sent")
                kill_hard(first_relay)
            finally:
                os.kill(broker.pid, signal.SIGCONT)
        finally:
            kill_hard(first_relay)
        assert not await outbox.is_published(event)

        second_relay = start_relay(environment, tmp_path / "relay-2.log")
        try:
            await eventually(lambda: outbox.is_published(event), what="the second relay to publish")
            second_relay.send_signal(signal.SIGTERM)
            assert second_relay.wait(timeout=20) == 0
        finally:
            kill_hard(second_relay)
        records = await read_topic(broker.bootstrap, f"{topic_prefix}.test", 3)

    delivered = [decode_event(record.value, record.headers) for record in records]
    assert [item.id for item in delivered].count(event.id) == 2
    consumer = CountingConsumer()
    for item in delivered:
        await consume_once(container.uow_factory, consumer, [item])
    assert sorted(consumer.applied) == sorted([warm_up.id, event.id])
