"""The production consumers against a real Kafka-protocol broker (tansu) and the real databases."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sos.core.config import DatabaseKind, Settings
from sos.core.container import Container
from sos.core.events import OutboxEvent
from sos.core.ids import new_id
from sos.core.kafka import encode_event, event_key
from sos.core.kafka_consumer import ConsumerGroupRunner, ConsumerGroups
from sos.core.uow import UnitOfWorkFactory
from sos.dispatch.consumer import DispatchConsumer
from sos.timeline.consumer import TimelineProjection
from sos.wiring import build_consumers
from tests.consumers.support import (
    FAST,
    RecordingConsumer,
    eventually,
    header,
    message_of,
    processed_by,
    produce,
    read_topic,
    running,
    timeline_kinds,
    unpublished_alert_event,
)
from tests.factories import Tenant, raise_sos
from tests.kafka import free_port

BACKEND_DIR = Path(__file__).resolve().parents[2]


def with_prefix(settings: Settings, prefix: str) -> Settings:
    return settings.model_copy(update={"kafka_topic_prefix": prefix})


def runner_of(groups: ConsumerGroups, name: str) -> ConsumerGroupRunner:
    return next(runner for runner in groups.runners if runner.consumer.name == name)


def _acts_on(runner: ConsumerGroupRunner, event_type: str) -> bool:
    event_types = runner.consumer.event_types
    return event_types is None or event_type in event_types


def committed_past(runner: ConsumerGroupRunner, partition: TopicPartition, offset: int) -> bool:
    return runner.stats.committed.get(partition, -1) > offset


async def committed_offset(bootstrap: str, group: str, partition: TopicPartition) -> int | None:
    """What the broker holds as ``group``'s committed offset, asked without joining the group."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        offset: int | None = await reader.committed(partition)
        return offset
    finally:
        await reader.stop()


# Module-scoped: groups left polling would slow every later test in the session (coverage traces them too).
@pytest.fixture(scope="module")
async def real_consumers(kafka_container: Container) -> AsyncIterator[ConsumerGroups]:
    """The registry's consumers (timeline, escalation, notifications, analytics), each its own consumer group."""
    groups = ConsumerGroups(
        build_consumers(kafka_container.settings, kafka_container.jobs),
        kafka_container.uow_factory,
        kafka_container.settings,
        tuning=FAST,
    )
    async with running(groups):
        yield groups


async def test_an_sos_raised_through_the_api_reaches_every_consumer_acting_on_it_through_kafka(
    kafka_client: AsyncClient, kafka_container: Container, kafka_tenant: Tenant, real_consumers: ConsumerGroups
) -> None:
    alert = await raise_sos(kafka_client, kafka_tenant.reporter)
    alert_id = UUID(alert["id"])
    assert await kafka_container.relay.drain() >= 1
    async with kafka_container.engine.connect() as connection:
        event_id = await connection.scalar(
            select(OutboxEvent.id).where(
                OutboxEvent.aggregate_id == alert_id, OutboxEvent.event_type == "alert.triggered"
            )
        )
    assert event_id is not None
    interested = {runner.consumer.name for runner in real_consumers.runners if _acts_on(runner, "alert.triggered")}

    async def everyone_consumed() -> bool:
        return await processed_by(kafka_container, event_id) == interested

    await eventually(everyone_consumed, f"{sorted(interested)} to consume alert.triggered")
    assert await timeline_kinds(kafka_container, alert_id) == ["alert.triggered"]


async def test_a_message_delivered_five_times_has_one_effect(
    kafka_client: AsyncClient,
    kafka_container: Container,
    kafka_tenant: Tenant,
    kafka_broker: str,
    real_consumers: ConsumerGroups,
) -> None:
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    timeline = runner_of(real_consumers, TimelineProjection.name)
    duplicates_before = timeline.stats.duplicates
    topic = f"{kafka_container.settings.kafka_topic_prefix}.alert"
    landed = await produce(kafka_broker, topic, [message_of(event)] * 5)

    async def committed() -> bool:
        return committed_past(timeline, landed[-1].partition, landed[-1].offset)

    await eventually(committed, "the timeline group to commit past the last copy")
    assert await timeline_kinds(kafka_container, event.aggregate_id) == ["alert.triggered"]
    assert timeline.stats.duplicates - duplicates_before == 4
    assert TimelineProjection.name in await processed_by(kafka_container, event.id)


async def test_a_group_commits_past_events_its_consumer_does_not_act_on_and_keeps_no_key(
    kafka_client: AsyncClient,
    kafka_container: Container,
    kafka_tenant: Tenant,
    kafka_broker: str,
    real_consumers: ConsumerGroups,
) -> None:
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    dispatch = runner_of(real_consumers, DispatchConsumer.name)
    assert not _acts_on(dispatch, event.type)
    ignored_before = dispatch.stats.ignored
    landed = await produce(kafka_broker, f"{kafka_container.settings.kafka_topic_prefix}.alert", [message_of(event)])

    async def committed() -> bool:
        return committed_past(dispatch, landed[-1].partition, landed[-1].offset)

    await eventually(committed, "the dispatch group to commit past an event it does not act on")
    assert dispatch.stats.ignored - ignored_before == 1
    assert DispatchConsumer.name not in await processed_by(kafka_container, event.id)


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_partition_moves_on(
    kafka_client: AsyncClient,
    kafka_container: Container,
    kafka_tenant: Tenant,
    kafka_broker: str,
    real_consumers: ConsumerGroups,
) -> None:
    prefix = kafka_container.settings.kafka_topic_prefix
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    breaks_contract = dataclasses.replace(event, id=new_id(), payload={**event.payload, "severity": "apocalyptic"})
    not_json = b"\xff\xfe not an event"
    landed = await produce(
        kafka_broker,
        f"{prefix}.alert",
        [(event_key(event), not_json, []), message_of(breaks_contract), message_of(event)],
    )
    timeline = runner_of(real_consumers, TimelineProjection.name)

    async def committed() -> bool:
        return committed_past(timeline, landed[-1].partition, landed[-1].offset)

    await eventually(committed, "the timeline group to commit past the poison")
    assert await timeline_kinds(kafka_container, event.aggregate_id) == ["alert.triggered"]
    dead = {
        int(header(message, "dlq_original_offset") or -1): message
        for message in await read_topic(kafka_broker, f"{prefix}.dlq")
        if header(message, "dlq_consumer") == TimelineProjection.name
        and header(message, "dlq_original_topic") == f"{prefix}.alert"
    }
    unreadable, rejected = dead[landed[0].offset], dead[landed[1].offset]
    assert unreadable.value == not_json
    assert (header(unreadable, "dlq_error") or "").startswith("MalformedEvent: the message value is not JSON")
    assert rejected.value == encode_event(breaks_contract)
    assert "EventContractError: alert.triggered v1 payload at /severity" in (header(rejected, "dlq_error") or "")
    assert header(rejected, "dlq_original_partition") == "0"
    assert header(rejected, "event_id") == str(breaks_contract.id)
    assert landed[2].offset not in dead


async def test_an_event_the_handler_keeps_failing_on_is_dead_lettered_after_the_last_attempt(
    kafka_client: AsyncClient, kafka_container: Container, kafka_tenant: Tenant, kafka_broker: str
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-attempts"
    failing = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    following = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    landed = await produce(kafka_broker, f"{prefix}.alert", [message_of(failing), message_of(following)])
    consumer = RecordingConsumer(f"flaky-{secrets.token_hex(3)}", failing=frozenset({failing.id}))
    groups = ConsumerGroups(
        [consumer], kafka_container.uow_factory, with_prefix(kafka_container.settings, prefix), tuning=FAST
    )
    runner = groups.runners[0]

    async def committed() -> bool:
        return committed_past(runner, landed[-1].partition, landed[-1].offset)

    async with running(groups):
        await eventually(committed, "the group to commit past the failing event")
    assert await processed_by(kafka_container, following.id) == {consumer.name}
    assert await processed_by(kafka_container, failing.id) == set()
    [dead] = await read_topic(kafka_broker, f"{prefix}.dlq")
    assert dead.value == encode_event(failing)
    assert header(dead, "dlq_consumer") == consumer.name
    assert header(dead, "dlq_attempts") == str(kafka_container.settings.consumer_max_attempts)
    assert header(dead, "dlq_error") == f"RuntimeError: cannot handle {failing.id}"
    assert header(dead, "dlq_original_offset") == str(landed[0].offset)


async def test_a_consumer_killed_after_processing_but_before_committing_absorbs_the_redelivery(
    kafka_client: AsyncClient,
    kafka_container: Container,
    kafka_tenant: Tenant,
    kafka_broker: str,
    consumers_database_url: str,
    tmp_path: Path,
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-crash"
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    [landed] = await produce(kafka_broker, f"{prefix}.alert", [message_of(event)])
    environment = {
        **os.environ,
        "SOS_ENVIRONMENT": "test",
        "SOS_DATABASE_URL": consumers_database_url,
        "SOS_DATA_DIR": str(tmp_path),
        "SOS_KAFKA_BOOTSTRAP_SERVERS": kafka_broker,
        "SOS_KAFKA_TOPIC_PREFIX": prefix,
        "SOS_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "consumer.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.consumers.crash_before_commit",
            TimelineProjection.name,
            env=environment,
            cwd=BACKEND_DIR,
            stdout=output,
            stderr=output,
        )
        try:
            returncode = await asyncio.wait_for(process.wait(), timeout=60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert returncode == -signal.SIGKILL, log.read_text()
    assert await timeline_kinds(kafka_container, event.aggregate_id) == ["alert.triggered"], log.read_text()
    group = f"{prefix}.{TimelineProjection.name}"
    assert await committed_offset(kafka_broker, group, landed.partition) is None

    groups = ConsumerGroups(
        [TimelineProjection()], kafka_container.uow_factory, with_prefix(kafka_container.settings, prefix), tuning=FAST
    )
    runner = groups.runners[0]

    async def committed() -> bool:
        return committed_past(runner, landed.partition, landed.offset)

    async with running(groups):
        await eventually(committed, "the restarted group to commit the redelivered message")
    assert (runner.stats.received, runner.stats.applied, runner.stats.duplicates) == (1, 0, 1)
    assert await timeline_kinds(kafka_container, event.aggregate_id) == ["alert.triggered"]
    assert await committed_offset(kafka_broker, group, landed.partition) == landed.offset + 1


def unreachable_engine(kind: DatabaseKind, tmp_path: Path) -> AsyncEngine:
    """An engine whose database cannot be reached: nothing listens on its port, or its directory is missing."""
    if kind is DatabaseKind.POSTGRESQL:
        return create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/sos")
    if kind is DatabaseKind.MYSQL:
        return create_async_engine(f"mysql+aiomysql://root@127.0.0.1:{free_port()}/sos")
    return create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'sos.db'}")


async def test_a_database_outage_is_waited_out_and_nothing_is_dead_lettered(
    kafka_client: AsyncClient,
    kafka_container: Container,
    kafka_tenant: Tenant,
    kafka_broker: str,
    tmp_path: Path,
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-outage"
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    [landed] = await produce(kafka_broker, f"{prefix}.alert", [message_of(event)])
    down = unreachable_engine(kafka_container.settings.database_kind, tmp_path)
    uow_factory = UnitOfWorkFactory(down)
    consumer = RecordingConsumer(f"outage-{secrets.token_hex(3)}")
    groups = ConsumerGroups([consumer], uow_factory, with_prefix(kafka_container.settings, prefix), tuning=FAST)
    runner = groups.runners[0]

    async def waited_out_three_times() -> bool:
        return runner.stats.outages >= 3

    async def committed() -> bool:
        return committed_past(runner, landed.partition, landed.offset)

    try:
        async with running(groups):
            await eventually(waited_out_three_times, "the group to retry through the outage")
            assert runner.stats.committed == {}
            uow_factory.engine = kafka_container.engine
            await eventually(committed, "the group to process the message once the database is back")
    finally:
        await down.dispose()
    assert runner.stats.dead_lettered == 0
    assert await read_topic(kafka_broker, f"{prefix}.dlq") == []
    assert await processed_by(kafka_container, event.id) == {consumer.name}
