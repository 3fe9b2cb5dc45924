"""Production consumers: one Kafka consumer group per :class:`~sos.core.bus.Consumer`, offsets committed after work.

Each consumer reads every aggregate topic (``<prefix>.<aggregate_type>``, found by pattern, so topics created later
join by themselves) as the group ``<prefix>.<consumer name>``. A batch is applied through
:func:`~sos.core.bus.consume_once`, which records each event id in the consumer's own transaction, and only then are
the offsets committed: a crash in between redelivers the batch, and the redelivery has no second effect.

A poison message (not an event envelope, a payload its contract rejects, or one the handler fails on
``consumer_max_attempts`` times) goes to ``<prefix>.dlq`` with headers naming the consumer, the error and where it
came from, and its offset is committed, so it never blocks its partition. When a batch's transaction fails, its
events are applied one at a time, each partition's offset committed as each record is done, for a bounded time per
poll, so a long run of failing events makes progress instead of outliving ``max_poll_interval_ms``. An unreachable
database or broker is not the message's fault: the batch is rewound to its first record not yet done and retried
after a backoff, and nothing is dead-lettered. A group that fails unexpectedly is logged and restarted on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import logging
import re
import signal
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from sos.core.bus import Consumer, consume_once
from sos.core.config import Settings
from sos.core.db import create_engine, utcnow
from sos.core.event_contracts import known_contracts, validate_event
from sos.core.events import DomainEvent
from sos.core.jobs import build_job_queue
from sos.core.kafka import client_options, decode_event
from sos.core.uow import UnitOfWorkFactory
from sos.stream.runtime import build_stream_log

logger = logging.getLogger("sos.consumers")

DEAD_LETTER_SUFFIX = "dlq"
_TOPIC_ALREADY_EXISTS = 36
_MAX_ERROR_CHARS = 2000
_MAX_CAUSES = 8
# What one event may take per attempt, and one dead-letter send, when sizing max_poll_interval_ms.
_HANDLER_ALLOWANCE_SECONDS = 30.0
_DEAD_LETTER_ALLOWANCE_SECONDS = 80.0

# SQLSTATE classes of a database that is away or overloaded: connection exception, transaction rollback
# (serialization failure, deadlock), insufficient resources, operator intervention (starting up, shutting down,
# statement timeout) and system error; plus lock_not_available and idle-in-transaction timeout.
_OUTAGE_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
_OUTAGE_SQLSTATES = frozenset({"55P03", "25P03", "HV001"})
# MySQL/MariaDB error numbers of the same kind: too many connections, server shutdown, lock wait timeout, deadlock,
# connection killed, statement timeouts, and the client's connection errors (2002-2013, 2055).
_OUTAGE_MYSQL_ERRORS = frozenset({1040, 1053, 1205, 1213, 1927, 1969, 3024, 2002, 2003, 2005, 2006, 2013, 2055})
_OUTAGE_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ENETRESET,
        errno.EADDRNOTAVAIL,
    }
)


class Outage(Exception):
    """The database or the broker cannot be reached; the batch is retried as it is."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the database or the broker is away or overloaded, so the message is not at fault and
    must wait for them instead of being dead-lettered. Looks through the explicit causes (``raise ... from``)."""
    return any(_names_outage(error) for error in _causes(exc))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    error: BaseException | None = exc
    for _ in range(_MAX_CAUSES):
        if error is None:
            return
        yield error
        if isinstance(error, DBAPIError) and isinstance(error.orig, BaseException):
            yield error.orig
            yield from _causes_of_driver_error(error.orig)
        error = error.__cause__


def _causes_of_driver_error(orig: BaseException) -> Iterator[BaseException]:
    # SQLAlchemy's async adapters wrap the driver's own exception (asyncpg's keeps the SQLSTATE) as the cause.
    if orig.__cause__ is not None:
        yield orig.__cause__


def _names_outage(error: BaseException) -> bool:
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated)
    if isinstance(error, KafkaError):
        return isinstance(error, KafkaConnectionError | KafkaTimeoutError) or bool(getattr(error, "retriable", False))
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror | socket.herror):
        return True
    if isinstance(error, OSError):
        # asyncio reports every failed address of a host as one plain OSError.
        return error.errno in _OUTAGE_ERRNOS or (error.errno is None and str(error).startswith("Multiple exceptions"))
    return _sqlstate_names_outage(getattr(error, "sqlstate", None)) or _mysql_error_names_outage(error)


def _sqlstate_names_outage(sqlstate: object) -> bool:
    if not isinstance(sqlstate, str) or len(sqlstate) != 5:
        return False
    return sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES or sqlstate in _OUTAGE_SQLSTATES


def _mysql_error_names_outage(error: BaseException) -> bool:
    if type(error).__module__.split(".")[0] not in {"pymysql", "aiomysql", "MySQLdb", "asyncmy"}:
        return False
    code = error.args[0] if error.args else None
    return isinstance(code, int) and code in _OUTAGE_MYSQL_ERRORS


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
    # Applying a failed batch one event at a time stops after this long (progress committed, the rest fetched
    # again), so the time between polls stays far below max_poll_interval_ms: this budget plus one event's
    # attempts and backoffs plus a dead-letter send.
    one_by_one_budget_seconds: float = 120.0
    max_poll_interval_ms: int = 900_000


@dataclass(slots=True)
class RunnerStats:
    received: int = 0
    applied: int = 0
    ignored: int = 0
    """Events of a type the consumer does not act on."""
    duplicates: int = 0
    dead_lettered: int = 0
    handler_failures: int = 0
    outages: int = 0
    commits: int = 0
    rebalances_lost: int = 0
    restarts: int = 0
    committed: dict[TopicPartition, int] = field(default_factory=dict)


def group_id(prefix: str, consumer: Consumer) -> str:
    return f"{prefix}.{consumer.name}"


def dead_letter_topic(prefix: str) -> str:
    return f"{prefix}.{DEAD_LETTER_SUFFIX}"


def aggregate_topics_pattern(prefix: str) -> str:
    """Every ``<prefix>.<aggregate_type>`` topic except the dead-letter topic."""
    return rf"^{re.escape(prefix)}\.(?!{DEAD_LETTER_SUFFIX}$)[A-Za-z0-9_-]+$"


def read_event(record: ConsumerRecord, wanted: Callable[[DomainEvent], bool] | None = None) -> DomainEvent:
    """The event a record carries; raises :class:`PoisonMessage` for one no consumer can ever apply, whatever fails
    in reading it (deeply nested JSON raises ``RecursionError``, not ``ValueError``). Only a ``wanted`` event's
    payload is checked against its contract: the others are passed over unread."""
    headers = [(name, value) for name, value in record.headers or () if isinstance(value, bytes)]
    try:
        event = decode_event(record.value, headers)
        if wanted is None or wanted(event):
            validate_event(event)
    except Exception as exc:
        if is_outage(exc):
            raise Outage from exc
        raise PoisonMessage(f"{type(exc).__name__}: {str(exc)[:_MAX_ERROR_CHARS]}") from exc
    return event


def _backoff(attempt: int, base: float, cap: float) -> float:
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


class DeadLetterTopic:
    """Writes poison messages, byte for byte, to ``<prefix>.dlq`` with headers saying what went wrong. A message the
    broker will never take (too large, say) is replaced by a stub naming its size and SHA-256, so its partition
    still moves on; only a broker that is away holds the partition back."""

    def __init__(
        self, options: dict[str, Any], prefix: str, *, partitions: int = 1, replication_factor: int = 1
    ) -> None:
        self._options = options
        self.topic = dead_letter_topic(prefix)
        self.partitions = partitions
        self.replication_factor = replication_factor
        self._producer: Any = None

    async def start(self) -> None:
        await self._create_topic()
        # Not idempotent: a duplicate in the dead-letter topic is harmless, and tansu rejects InitProducerId.
        producer = AIOKafkaProducer(**self._options, acks="all", enable_idempotence=False)
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def _create_topic(self) -> None:
        admin = AIOKafkaAdminClient(**self._options)
        await admin.start()
        try:
            response = await admin.create_topics([NewTopic(self.topic, self.partitions, self.replication_factor)])
        finally:
            await admin.close()
        for name, error_code, *_ in response.topic_errors:
            if error_code not in {0, _TOPIC_ALREADY_EXISTS}:
                # Clusters that forbid creating topics (authorization, policy) have them provisioned.
                logger.warning("creating topic %s failed with Kafka error code %d", name, error_code)

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def send(self, record: ConsumerRecord, *, consumer: str, error: str, attempts: int) -> None:
        headers = [
            *(record.headers or ()),
            ("dlq_consumer", consumer.encode()),
            ("dlq_error", error[:_MAX_ERROR_CHARS].encode(errors="replace")),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_failed_at", utcnow().isoformat().encode()),
        ]
        try:
            await self._send(record.value, record.key, headers)
        except KafkaError as exc:
            if is_outage(exc):
                raise Outage from exc
            logger.error(
                "the dead-letter topic refused %s[%d]@%d (%r); sending a stub in its place",
                record.topic,
                record.partition,
                record.offset,
                exc,
            )
            await self._send_stub(record, headers, exc)
        logger.error(
            "dead-lettered %s[%d]@%d for consumer %s after %d attempt(s): %s",
            record.topic,
            record.partition,
            record.offset,
            consumer,
            attempts,
            error,
        )

    async def _send_stub(self, record: ConsumerRecord, headers: list[tuple[str, Any]], refusal: KafkaError) -> None:
        original = record.value or b""
        stub = {
            "dlq_stub": True,
            "note": "the original message could not be written to the dead-letter topic; fetch it from its topic",
            "refused_with": f"{type(refusal).__name__}: {refusal}"[:_MAX_ERROR_CHARS],
            "original_size": len(original),
            "original_sha256": hashlib.sha256(original).hexdigest(),
        }
        try:
            await self._send(json.dumps(stub).encode(), record.key, [*headers, ("dlq_stub", b"true")])
        except KafkaError as exc:
            # Even the stub is refused (the topic is not writable): hold the partition and retry, never skip.
            raise Outage from exc

    async def _send(self, value: bytes | None, key: bytes | None, headers: list[tuple[str, Any]]) -> None:
        if self._producer is None:
            raise RuntimeError("the dead-letter topic is not started")
        try:
            await self._producer.send_and_wait(self.topic, value, key=key, headers=headers)
        except OSError as exc:
            raise Outage from exc


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
        self._stop = asyncio.Event()
        self._progress: dict[TopicPartition, int] = {}

    @property
    def tuning(self) -> RunnerTuning:
        return self._tuning

    async def run(self, stop: asyncio.Event) -> None:
        tuning = self._tuning
        self._stop = stop
        self._kafka = AIOKafkaConsumer(
            **self._options,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            metadata_max_age_ms=tuning.metadata_max_age_ms,
            session_timeout_ms=tuning.session_timeout_ms,
            heartbeat_interval_ms=tuning.heartbeat_interval_ms,
            fetch_max_wait_ms=tuning.fetch_max_wait_ms,
            max_poll_interval_ms=self.max_poll_interval_ms,
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

    @property
    def max_poll_interval_ms(self) -> int:
        """Twice the longest a poll's one-by-one work can take: its budget plus one more event's attempts."""
        tuning = self._tuning
        attempt = tuning.retry_backoff_max_seconds + _HANDLER_ALLOWANCE_SECONDS
        worst_seconds = tuning.one_by_one_budget_seconds + self._max_attempts * attempt + _DEAD_LETTER_ALLOWANCE_SECONDS
        return max(tuning.max_poll_interval_ms, int(2 * worst_seconds * 1000))

    async def _poll(self) -> dict[TopicPartition, list[ConsumerRecord]]:
        try:
            batch: dict[TopicPartition, list[ConsumerRecord]] = await self._kafka.getmany(
                timeout_ms=self._tuning.poll_timeout_ms, max_records=self._tuning.max_records
            )
        except KafkaError as exc:
            logger.warning("consumer %s could not fetch (%r); retrying", self.group_id, exc)
            self.stats.outages += 1
            await _wait(self._stop, self._tuning.outage_backoff_seconds)
            return {}
        return batch

    async def process(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Applies a fetched batch in one transaction, dead-letters its poison messages, then commits its offsets.
        When the transaction fails, applies it one event at a time, committing each partition as it goes."""
        self._progress = {}
        records = [record for partition_records in batch.values() for record in partition_records]
        self.stats.received += len(records)
        readings = [(record, _reading(record, self.consumer.wants)) for record in records]
        readable = [(record, reading) for record, reading in readings if isinstance(reading, DomainEvent)]
        if len(readable) > 1 and await self._applied_together(readable):
            for record, reading in readings:
                if isinstance(reading, PoisonMessage):
                    await self._dead_letter(record, str(reading), 1)
            await self._commit({tp: partition_records[-1].offset + 1 for tp, partition_records in batch.items()})
            return
        await self._one_by_one(batch, {_position(record): reading for record, reading in readings})

    async def _applied_together(self, readable: Sequence[tuple[ConsumerRecord, DomainEvent]]) -> bool:
        try:
            events = [event for _, event in readable]
            self._count(await consume_once(self._uow_factory, self.consumer, events), events)
        except Exception as exc:
            if is_outage(exc):
                raise Outage from exc
            self.stats.handler_failures += 1
            logger.warning(
                "consumer %s failed on a batch of %d (%r); applying one by one", self.group_id, len(readable), exc
            )
            return False
        return True

    async def _one_by_one(
        self,
        batch: dict[TopicPartition, list[ConsumerRecord]],
        readings: dict[tuple[str, int, int], DomainEvent | PoisonMessage],
    ) -> None:
        deadline = time.monotonic() + self._tuning.one_by_one_budget_seconds
        for tp, partition_records in batch.items():
            for record in partition_records:
                if self._progress and (self._stop.is_set() or time.monotonic() > deadline):
                    logger.warning("consumer %s stops this batch early; the rest is fetched again", self.group_id)
                    self._rewind(batch)
                    return
                if tp not in self._kafka.assignment():
                    break
                reading = readings[_position(record)]
                if isinstance(reading, PoisonMessage):
                    await self._dead_letter(record, str(reading), 1)
                else:
                    error = await self._apply_with_retries(reading)
                    if error is not None:
                        await self._dead_letter(record, error, self._max_attempts)
                self._progress[tp] = record.offset + 1
                await self._commit({tp: record.offset + 1})

    async def _dead_letter(self, record: ConsumerRecord, error: str, attempts: int) -> None:
        await self._dead_letters.send(record, consumer=self.consumer.name, error=error, attempts=attempts)
        self.stats.dead_lettered += 1

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
                await _wait(
                    self._stop, _backoff(attempt, tuning.retry_backoff_seconds, tuning.retry_backoff_max_seconds)
                )
        return None

    def _count(self, applied: int, delivered: Sequence[DomainEvent]) -> None:
        wanted = sum(1 for event in delivered if self.consumer.wants(event))
        self.stats.applied += applied
        self.stats.ignored += len(delivered) - wanted
        self.stats.duplicates += wanted - applied

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        assigned = self._kafka.assignment()
        kept = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if len(kept) < len(offsets):
            self.stats.rebalances_lost += 1
            logger.warning(
                "consumer %s no longer owns %s; not committing them",
                self.group_id,
                ", ".join(f"{tp.topic}[{tp.partition}]" for tp in offsets if tp not in assigned),
            )
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
        """Seeks back to the first record of the batch not yet done, so the next poll fetches it again."""
        assigned = self._kafka.assignment()
        for tp, records in batch.items():
            if tp in assigned:
                self._kafka.seek(tp, self._progress.get(tp, records[0].offset))


def _position(record: ConsumerRecord) -> tuple[str, int, int]:
    return record.topic, record.partition, record.offset


def _reading(record: ConsumerRecord, wanted: Callable[[DomainEvent], bool]) -> DomainEvent | PoisonMessage:
    try:
        return read_event(record, wanted)
    except PoisonMessage as exc:
        return exc


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
    wanted = set(names)
    return [consumer for consumer in consumers if consumer.name in wanted]


def _stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    loop = asyncio.get_running_loop()
    handled = []
    for number in (signal.SIGTERM, signal.SIGINT):
        # Handlers can only be installed on Unix, from the main thread; elsewhere the caller's `stop` event still works.
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
        self.dead_letters = DeadLetterTopic(
            options,
            settings.kafka_topic_prefix,
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_topic_replication_factor,
        )
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
        """Runs until ``stop`` is set; a group that fails is logged and restarted, the others run on."""
        await self.dead_letters.start()
        try:
            logger.info("consuming as %s", ", ".join(runner.group_id for runner in self.runners))
            async with asyncio.TaskGroup() as group:
                for runner in self.runners:
                    group.create_task(_supervise(runner, stop), name=f"consumer-{runner.consumer.name}")
        finally:
            await self.dead_letters.stop()


async def _supervise(runner: ConsumerGroupRunner, stop: asyncio.Event) -> None:
    """Runs one group until ``stop`` is set, restarting it with a growing backoff whenever it fails."""
    tuning = runner.tuning
    failures = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            await runner.run(stop)
        except Exception:
            healthy_for = time.monotonic() - started
            failures = 1 if healthy_for > tuning.outage_backoff_max_seconds else failures + 1
            runner.stats.restarts += 1
            delay = _backoff(failures, tuning.outage_backoff_seconds, tuning.outage_backoff_max_seconds)
            logger.exception("consumer group %s failed; restarting it in %.1f s", runner.group_id, delay)
            await _wait(stop, delay)


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
    stream_log = build_stream_log(settings)
    restore_signals = _stop_on_signals(stop)
    try:
        consumers = select_consumers(build_consumers(settings, jobs, stream_log), names)
        groups = ConsumerGroups(consumers, uow_factory, settings, tuning=tuning)
        await jobs.start()
        try:
            await groups.run(stop)
        finally:
            await jobs.stop()
    finally:
        restore_signals()
        if stream_log is not None:
            await stream_log.close()
        await engine.dispose()
