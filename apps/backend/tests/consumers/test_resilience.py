"""One bad message, one broken group or a long run of failing events must never stop the other messages or groups."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.kafka import client_options
from sos.core.kafka_consumer import (
    ConsumerGroupRunner,
    ConsumerGroups,
    DeadLetterTopic,
    PoisonMessage,
    RunnerTuning,
    read_event,
)
from sos.core.uow import UnitOfWork
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
    unpublished_alert_event,
)
from tests.consumers.test_kafka_consumers import committed_past, with_prefix
from tests.factories import Tenant

DEEPLY_NESTED = b'{"payload": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"


def record_of(value: bytes | None, headers: Sequence[tuple[str, bytes | None]] = ()) -> ConsumerRecord[Any, Any]:
    return ConsumerRecord(
        topic="sos.alert",
        partition=0,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=b"key",
        value=value,
        checksum=None,
        serialized_key_size=3,
        serialized_value_size=len(value or b""),
        headers=list(headers),
    )


def test_deeply_nested_json_is_a_poison_message_not_a_crash() -> None:
    with pytest.raises(PoisonMessage, match=r"^RecursionError"):
        read_event(record_of(DEEPLY_NESTED, [("traceparent", None)]))


async def test_deeply_nested_json_and_headers_without_values_do_not_stop_the_partition(
    kafka_client: AsyncClient, kafka_container: Container, kafka_tenant: Tenant, kafka_broker: str
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-nested-{secrets.token_hex(3)}"
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    key, value, headers = message_of(event)
    null_headers: list[tuple[str, bytes | None]] = [("traceparent", None), ("x-empty", None)]
    landed = await produce(
        kafka_broker,
        f"{prefix}.alert",
        [(key, DEEPLY_NESTED, null_headers), (key, value, [*null_headers, *headers])],  # type: ignore[list-item]
    )
    consumer = RecordingConsumer(f"nested-{secrets.token_hex(3)}")
    groups = ConsumerGroups(
        [consumer], kafka_container.uow_factory, with_prefix(kafka_container.settings, prefix), tuning=FAST
    )
    runner = groups.runners[0]

    async def committed() -> bool:
        return committed_past(runner, landed[-1].partition, landed[-1].offset)

    async with running(groups):
        await eventually(committed, "the group to commit past the nested message")
    assert runner.stats.restarts == 0
    assert await processed_by(kafka_container, event.id) == {consumer.name}
    [dead] = await read_topic(kafka_broker, f"{prefix}.dlq")
    assert dead.value == DEEPLY_NESTED
    assert (header(dead, "dlq_error") or "").startswith("RecursionError")
    assert ("x-empty", None) in dead.headers


class Indescribable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("this error cannot even be described")


class BrokenConsumer(RecordingConsumer):
    async def handle(self, uow: UnitOfWork, events: Sequence[Any]) -> None:
        raise Indescribable


async def test_a_group_that_fails_unexpectedly_is_restarted_and_the_other_groups_carry_on(
    kafka_client: AsyncClient, kafka_container: Container, kafka_tenant: Tenant, kafka_broker: str
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-broken-{secrets.token_hex(3)}"
    event = await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant)
    [landed] = await produce(kafka_broker, f"{prefix}.alert", [message_of(event)])
    broken, healthy = BrokenConsumer(f"broken-{secrets.token_hex(3)}"), RecordingConsumer(f"ok-{secrets.token_hex(3)}")
    groups = ConsumerGroups(
        [broken, healthy], kafka_container.uow_factory, with_prefix(kafka_container.settings, prefix), tuning=FAST
    )
    broken_runner, healthy_runner = groups.runners

    async def restarted_twice() -> bool:
        return broken_runner.stats.restarts >= 2

    async def healthy_committed() -> bool:
        return committed_past(healthy_runner, landed.partition, landed.offset)

    async with running(groups):
        await eventually(restarted_twice, "the broken group to be restarted")
        await eventually(healthy_committed, "the healthy group to commit")
    assert await processed_by(kafka_container, event.id) == {healthy.name}
    assert broken_runner.stats.committed == {}


async def test_a_long_run_of_failing_events_keeps_its_progress_batch_after_batch(
    kafka_client: AsyncClient, kafka_container: Container, kafka_tenant: Tenant, kafka_broker: str
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-run-{secrets.token_hex(3)}"
    events = [await unpublished_alert_event(kafka_client, kafka_container, kafka_tenant) for _ in range(4)]
    failing, good = events[:3], events[3]
    landed = await produce(kafka_broker, f"{prefix}.alert", [message_of(event) for event in events])
    consumer = RecordingConsumer(f"run-{secrets.token_hex(3)}", failing=frozenset(event.id for event in failing))
    # No time for one-by-one work beyond one event per poll: each poll must still keep what it finished.
    tuning = dataclasses.replace(FAST, one_by_one_budget_seconds=0.0)
    groups = ConsumerGroups(
        [consumer], kafka_container.uow_factory, with_prefix(kafka_container.settings, prefix), tuning=tuning
    )
    runner = groups.runners[0]

    async def committed() -> bool:
        return committed_past(runner, landed[-1].partition, landed[-1].offset)

    async with running(groups):
        await eventually(committed, "the group to work through the failing events")
    dead = await read_topic(kafka_broker, f"{prefix}.dlq")
    assert sorted(int(header(message, "dlq_original_offset") or -1) for message in dead) == [
        produced.offset for produced in landed[:3]
    ]
    assert await processed_by(kafka_container, good.id) == {consumer.name}
    assert runner.stats.commits >= len(events)


async def test_a_message_the_dead_letter_topic_refuses_is_replaced_by_a_stub(
    kafka_container: Container, kafka_broker: str
) -> None:
    prefix = f"{kafka_container.settings.kafka_topic_prefix}-stub-{secrets.token_hex(3)}"
    settings = with_prefix(kafka_container.settings, prefix)
    too_large = b"x" * 2_000_000
    dead_letters = DeadLetterTopic(client_options(settings), prefix, partitions=2)
    await dead_letters.start()
    try:
        await dead_letters.send(
            record_of(too_large, [("event_type", b"alert.triggered")]), consumer="timeline", error="boom", attempts=1
        )
    finally:
        await dead_letters.stop()
    [stub] = await read_topic(kafka_broker, f"{prefix}.dlq")
    assert json.loads(stub.value) | {"refused_with": None, "note": None} == {
        "dlq_stub": True,
        "note": None,
        "refused_with": None,
        "original_size": len(too_large),
        "original_sha256": hashlib.sha256(too_large).hexdigest(),
    }
    assert stub.key == b"key"
    assert header(stub, "event_type") == "alert.triggered"
    assert header(stub, "dlq_stub") == "true"
    assert header(stub, "dlq_error") == "boom"
    assert await partition_count(kafka_broker, f"{prefix}.dlq") == 2


async def partition_count(bootstrap: str, topic: str) -> int:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await reader.start()
    try:
        await reader.topics()
        return len(reader.partitions_for_topic(topic) or ())
    finally:
        await reader.stop()


def test_the_dead_letter_topic_is_created_as_the_settings_say(kafka_container: Container) -> None:
    settings = kafka_container.settings.model_copy(
        update={"kafka_topic_partitions": 4, "kafka_topic_replication_factor": 3}
    )
    dead_letters = ConsumerGroups([], kafka_container.uow_factory, settings).dead_letters
    assert (dead_letters.partitions, dead_letters.replication_factor) == (4, 3)


@pytest.mark.parametrize("max_attempts", [1, 5, 100])
def test_the_poll_interval_outlasts_the_one_by_one_work_of_a_poll(
    kafka_container: Container, max_attempts: int
) -> None:
    tuning = RunnerTuning()
    runner = ConsumerGroupRunner(
        RecordingConsumer("sized"),
        kafka_container.uow_factory,
        DeadLetterTopic({}, "sos"),
        options={},
        topic_prefix="sos",
        max_attempts=max_attempts,
        tuning=tuning,
    )
    one_event_seconds = max_attempts * (tuning.retry_backoff_max_seconds + 30.0) + 80.0
    assert runner.max_poll_interval_ms / 1000 >= 2 * (tuning.one_by_one_budget_seconds + one_event_seconds)
    assert runner.max_poll_interval_ms >= tuning.max_poll_interval_ms
