"""Production consumers: one Kafka consumer group per :class:`~sos.core.bus.Consumer`, offsets committed after work.

Each consumer reads every aggregate topic (``<prefix>.<aggregate_type>``, found by pattern, so topics created later
join by themselves) as the group ``<prefix>.<consumer name>``. A batch is applied through
:func:`~sos.core.bus.consume_once`, which records each event id in the consumer's own transaction, and only then are
the offsets committed: a crash in between redelivers the batch, and the redelivery has no second effect.

A poison message (not an event envelope, a payload its contract rejects, or one the handler fails on
``consumer_max_attempts`` times) goes to ``<prefix>.dlq`` with headers naming the consumer, the error and where it
came from, and its offset is committed, so it never blocks its partition. An unreachable database or broker is not
the message's fault: the batch is rewound to its first offset and retried after a backoff, and nothing is
dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from sos.core.bus import Consumer, consume_once
from sos.core.config import Settings
from sos.core.db import create_engine, utcnow
from sos.core.event_contracts import EventContractError, known_contracts, validate_event
from sos.core.events import DomainEvent
from sos.core.jobs import build_job_queue
from sos.core.kafka import MalformedEvent, client_options, decode_event
from sos.core.uow import UnitOfWorkFactory

logger = logging.getLogger("sos.consumers")

DEAD_LETTER_SUFFIX = "dlq"
_TOPIC_ALREADY_EXISTS = 36
_MAX_ERROR_CHARS = 2000

# The database or the broker is away: the message is fine, so it waits for them instead of being dead-lettered.
_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    OSError,
    KafkaError,
)


class Outage(Exception):
    """The database or the broker cannot be reached; the batch is retried as it is."""


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, _OUTAGE_ERRORS) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class PoisonMessage(Exception):
    """A message that can never be applied as it is."""


@dataclass(frozen=True, slots=True)
class RunnerTuning:
    """How a consumer group polls, batches and backs off; the defaults suit production."""

    poll_timeout_ms: int = 1000
    fetch_max_wait_ms: int = 100
    max_records: int = 500
    metadata_max_age_ms: int = 10_000
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    retry_backoff_seconds: float = 0.2
    retry_backoff_max_seconds: float = 5.0
    outage_backoff_seconds: float = 0.5
    outage_backoff_max_seconds: float = 30.0


@dataclass(slots=True)
class RunnerStats:
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    handler_failures: int = 0
    outages: int = 0
    commits: int = 0
    rebalances_lost: int = 0
    committed: dict[TopicPartition, int] = field(default_factory=dict)


def group_id(prefix: str, consumer: Consumer) -> str:
    return f"{prefix}.{consumer.name}"


def dead_letter_topic(prefix: str) -> str:
    return f"{prefix}.{DEAD_LETTER_SUFFIX}"


def aggregate_topics_pattern(prefix: str) -> str:
    """Every ``<prefix>.<aggregate_type>`` topic except the dead-letter topic."""
    return rf"^{re.escape(prefix)}\.(?!{DEAD_LETTER_SUFFIX}$)[A-Za-z0-9_-]+$"


def read_event(record: ConsumerRecord) -> DomainEvent:
    """The event a record carries; raises :class:`PoisonMessage` for one no consumer can ever apply."""
    try:
        event = decode_event(record.value, record.headers or ())
        validate_event(event)
    except (MalformedEvent, EventContractError) as exc:
        raise PoisonMessage(f"{type(exc).__name__}: {exc}") from exc
    return event


def _backoff(attempt: int, base: float, cap: float) -> float:
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


class DeadLetterTopic:
    """Writes poison messages, byte for byte, to ``<prefix>.dlq`` with headers saying what went wrong."""

    def __init__(self, options: dict[str, Any], prefix: str) -> None:
        self._options = options
        self.topic = dead_letter_topic(prefix)
        self._producer: Any = None

    async def start(self) -> None:
        admin = AIOKafkaAdminClient(**self._options)
        await admin.start()
        try:
            response = await admin.create_topics([NewTopic(self.topic, 1, 1)])
        finally:
            await admin.close()
        for name, error_code, *_ in response.topic_errors:
            if error_code not in {0, _TOPIC_ALREADY_EXISTS}:
                raise KafkaError(f"creating topic {name} failed with error code {error_code}")
        # Not idempotent: a duplicate in the dead-letter topic is harmless, and tansu rejects InitProducerId.
        producer = AIOKafkaProducer(**self._options, acks="all", enable_idempotence=False)
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def send(self, record: ConsumerRecord, *, consumer: str, error: str, attempts: int) -> None:
        if self._producer is None:
            raise RuntimeError("the dead-letter topic is not started")
        headers = [
            *(record.headers or ()),
            ("dlq_consumer", consumer.encode()),
            ("dlq_error", error[:_MAX_ERROR_CHARS].encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_failed_at", utcnow().isoformat().encode()),
        ]
        try:
            await self._producer.send_and_wait(self.topic, record.value, key=record.key, headers=headers)
        except (KafkaError, OSError) as exc:
            raise Outage from exc
        logger.error(
            "dead-lettered %s[%d]@%d for consumer %s after %d attempt(s): %s",
            record.topic,
            record.partition,
            record.offset,
            consumer,
            attempts,
            error,
        )


class ConsumerGroupRunner:
    """Runs one consumer as its own Kafka consumer group until ``stop`` is set."""

    def __init__(
        self,
        consumer: Consumer,
        uow_factory: UnitOfWorkFactory,
        dead_letters: DeadLetterTopic,
        *,
        options: dict[str, Any],
        topic_prefix: str,
        max_attempts: int,
        tuning: RunnerTuning | None = None,
    ) -> None:
        self.consumer = consumer
        self.group_id = group_id(topic_prefix, consumer)
        self.stats = RunnerStats()
        self._uow_factory = uow_factory
        self._dead_letters = dead_letters
        self._options = options
        self._pattern = aggregate_topics_pattern(topic_prefix)
        self._max_attempts = max_attempts
        self._tuning = tuning or RunnerTuning()
        self._kafka: Any = None

    async def run(self, stop: asyncio.Event) -> None:
        tuning = self._tuning
        self._kafka = AIOKafkaConsumer(
            **self._options,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=tuning.metadata_max_age_ms,
            session_timeout_ms=tuning.session_timeout_ms,
            heartbeat_interval_ms=tuning.heartbeat_interval_ms,
            fetch_max_wait_ms=tuning.fetch_max_wait_ms,
        )
        self._kafka.subscribe(pattern=self._pattern)
        outages = 0
        try:
            await self._kafka.start()
            logger.info("consumer group %s subscribed to %s", self.group_id, self._pattern)
            while not stop.is_set():
                batch = await self._poll()
                if not batch:
                    continue
                try:
                    await self.process(batch)
                except Outage as exc:
                    outages += 1
                    self.stats.outages += 1
                    self._rewind(batch)
                    delay = _backoff(outages, tuning.outage_backoff_seconds, tuning.outage_backoff_max_seconds)
                    logger.warning(
                        "consumer %s cannot proceed (%r); retrying in %.1f s", self.group_id, exc.__cause__, delay
                    )
                    await _wait(stop, delay)
                else:
                    outages = 0
        finally:
            kafka, self._kafka = self._kafka, None
            await kafka.stop()

    async def _poll(self) -> dict[TopicPartition, list[ConsumerRecord]]:
        try:
            batch: dict[TopicPartition, list[ConsumerRecord]] = await self._kafka.getmany(
                timeout_ms=self._tuning.poll_timeout_ms, max_records=self._tuning.max_records
            )
        except KafkaError as exc:
            logger.warning("consumer %s could not fetch (%r); retrying", self.group_id, exc)
            self.stats.outages += 1
            await asyncio.sleep(self._tuning.outage_backoff_seconds)
            return {}
        return batch

    async def process(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Applies a fetched batch, dead-letters its poison messages, then commits its offsets."""
        records = [record for partition_records in batch.values() for record in partition_records]
        self.stats.received += len(records)
        readable: list[tuple[ConsumerRecord, DomainEvent]] = []
        poison: list[tuple[ConsumerRecord, str, int]] = []
        for record in records:
            try:
                readable.append((record, read_event(record)))
            except PoisonMessage as exc:
                poison.append((record, str(exc), 1))
        poison.extend(await self._apply(readable))
        for record, error, attempts in poison:
            await self._dead_letters.send(record, consumer=self.consumer.name, error=error, attempts=attempts)
            self.stats.dead_lettered += 1
        await self._commit({tp: partition_records[-1].offset + 1 for tp, partition_records in batch.items()})

    async def _apply(
        self, readable: Sequence[tuple[ConsumerRecord, DomainEvent]]
    ) -> list[tuple[ConsumerRecord, str, int]]:
        """Applies the events in one transaction; when that fails, one by one. Returns the ones that kept failing."""
        if not readable:
            return []
        if len(readable) > 1:
            try:
                self._count(await consume_once(self._uow_factory, self.consumer, [e for _, e in readable]), readable)
                return []
            except Exception as exc:
                if is_outage(exc):
                    raise Outage from exc
                self.stats.handler_failures += 1
                logger.warning("consumer %s failed on a batch of %d; applying one by one", self.group_id, len(readable))
        failed = []
        for record, event in readable:
            error = await self._apply_with_retries(event)
            if error is not None:
                failed.append((record, error, self._max_attempts))
        return failed

    async def _apply_with_retries(self, event: DomainEvent) -> str | None:
        """Applies one event, retrying a failing handler; returns the last error once the attempts are spent."""
        tuning = self._tuning
        for attempt in range(1, self._max_attempts + 1):
            try:
                self._count(await consume_once(self._uow_factory, self.consumer, [event]), [event])
                return None
            except Exception as exc:
                if is_outage(exc):
                    raise Outage from exc
                self.stats.handler_failures += 1
                logger.warning(
                    "consumer %s failed on event %s (%s), attempt %d of %d: %r",
                    self.group_id,
                    event.id,
                    event.type,
                    attempt,
                    self._max_attempts,
                    exc,
                )
                if attempt == self._max_attempts:
                    return f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(_backoff(attempt, tuning.retry_backoff_seconds, tuning.retry_backoff_max_seconds))
        return None

    def _count(self, applied: int, delivered: Sequence[object]) -> None:
        self.stats.applied += applied
        self.stats.duplicates += len(delivered) - applied

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        assigned = self._kafka.assignment()
        kept = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if len(kept) < len(offsets):
            self.stats.rebalances_lost += 1
        if not kept:
            return
        try:
            await self._kafka.commit(kept)
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved to another member, which starts from the last commit and absorbs the repeats.
            self.stats.rebalances_lost += 1
            logger.warning("consumer %s lost its partitions before committing: %r", self.group_id, exc)
            return
        except (KafkaError, OSError) as exc:
            raise Outage from exc
        self.stats.commits += 1
        self.stats.committed.update(kept)

    def _rewind(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Seeks back to the first uncommitted record of the batch, so the next poll fetches it again."""
        assigned = self._kafka.assignment()
        for tp, records in batch.items():
            if tp in assigned:
                self._kafka.seek(tp, records[0].offset)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def select_consumers(consumers: Sequence[Consumer], names: Sequence[str] | None) -> list[Consumer]:
    """The consumers named, in registry order; all of them when ``names`` is empty."""
    if not names:
        return list(consumers)
    known = {consumer.name for consumer in consumers}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown consumer(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [consumer for consumer in consumers if consumer.name in set(names)]


def _stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    loop = asyncio.get_running_loop()
    handled = []
    for number in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
            handled.append(number)

    def restore() -> None:
        for number in handled:
            loop.remove_signal_handler(number)

    return restore


class ConsumerGroups:
    """Every consumer of this process as its own consumer group, sharing the dead-letter topic's producer."""

    def __init__(
        self,
        consumers: Sequence[Consumer],
        uow_factory: UnitOfWorkFactory,
        settings: Settings,
        *,
        tuning: RunnerTuning | None = None,
    ) -> None:
        options = client_options(settings)
        self.dead_letters = DeadLetterTopic(options, settings.kafka_topic_prefix)
        self.runners = [
            ConsumerGroupRunner(
                consumer,
                uow_factory,
                self.dead_letters,
                options=options,
                topic_prefix=settings.kafka_topic_prefix,
                max_attempts=settings.consumer_max_attempts,
                tuning=tuning,
            )
            for consumer in consumers
        ]

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until ``stop`` is set; when one group fails, the others stop too and the error is raised."""
        await self.dead_letters.start()
        try:
            logger.info("consuming as %s", ", ".join(runner.group_id for runner in self.runners))
            async with asyncio.TaskGroup() as group:
                for runner in self.runners:
                    group.create_task(runner.run(stop), name=f"consumer-{runner.consumer.name}")
        finally:
            await self.dead_letters.stop()


async def run_consumers(
    settings: Settings,
    names: Sequence[str] | None = None,
    *,
    stop: asyncio.Event | None = None,
    tuning: RunnerTuning | None = None,
) -> None:
    """``sos consume``: runs the named consumers (all by default) as Kafka consumer groups until SIGTERM or SIGINT
    (or until ``stop`` is set), then leaves the groups and closes cleanly."""
    # Every table must be mapped: a foreign key takes its column type from the table it points at.
    import sos.models  # noqa: F401
    from sos.wiring import build_consumers

    known_contracts()  # fails now, not on the first message, when the event contracts cannot be found
    stop = stop or asyncio.Event()
    engine = create_engine(settings)
    uow_factory = UnitOfWorkFactory(engine)
    jobs = build_job_queue(settings, uow_factory)
    restore_signals = _stop_on_signals(stop)
    try:
        groups = ConsumerGroups(select_consumers(build_consumers(jobs), names), uow_factory, settings, tuning=tuning)
        await jobs.start()
        try:
            await groups.run(stop)
        finally:
            await jobs.stop()
    finally:
        restore_signals()
        await engine.dispose()
