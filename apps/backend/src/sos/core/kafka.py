"""Kafka for the event backbone: topic names, the event envelope on the wire, and the relay's publisher.

One topic per aggregate type (``<prefix>.<aggregate_type>``), keyed by aggregate id so one aggregate's events share a
partition and stay in order. The value is a JSON envelope; the headers repeat the event id, type and schema version
and carry the W3C ``traceparent`` so a consumer can route, deduplicate and trace without parsing the value.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    CorruptRecordException,
    InvalidMessageError,
    InvalidTopicError,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from aiokafka.helpers import create_ssl_context

from sos.core.config import Settings
from sos.core.events import DomainEvent
from sos.core.relay import PartialPublish, PublisherUnavailable, UndeliverableEvent
from sos.core.request_context import parse_traceparent

logger = logging.getLogger("sos.kafka")

CONTENT_TYPE = "application/json"
_TOPIC_ALREADY_EXISTS = 36
_ENVELOPE_FIELDS = (
    "id",
    "type",
    "schema_version",
    "aggregate_type",
    "aggregate_id",
    "organization_id",
    "actor_id",
    "occurred_at",
    "payload",
)


class MalformedEvent(ValueError):
    """A Kafka message that is not an event envelope this platform can read."""


def topic_for(prefix: str, aggregate_type: str) -> str:
    return f"{prefix}.{aggregate_type}"


def event_key(event: DomainEvent) -> bytes:
    return str(event.aggregate_id).encode()


def encode_event(event: DomainEvent) -> bytes:
    envelope = {
        "id": str(event.id),
        "type": event.type,
        "schema_version": event.schema_version,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": str(event.aggregate_id),
        "organization_id": str(event.organization_id),
        "actor_id": None if event.actor_id is None else str(event.actor_id),
        "occurred_at": event.occurred_at.isoformat(),
        "payload": event.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def event_headers(event: DomainEvent) -> list[tuple[str, bytes]]:
    headers = [
        ("event_id", str(event.id).encode()),
        ("event_type", event.type.encode()),
        ("schema_version", str(event.schema_version).encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if event.trace_context is not None:
        headers.append(("traceparent", event.trace_context.encode()))
    return headers


def decode_event(value: bytes | None, headers: Iterable[tuple[str, bytes]] = ()) -> DomainEvent:
    """The event in a message's value; its trace context comes from a valid ``traceparent`` header."""
    try:
        envelope = json.loads(value or b"")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedEvent(f"the message value is not JSON: {exc}") from exc
    if not isinstance(envelope, dict):
        raise MalformedEvent("the message value is not a JSON object")
    missing = [name for name in _ENVELOPE_FIELDS if name not in envelope]
    if missing:
        raise MalformedEvent(f"the envelope lacks {', '.join(missing)}")
    traceparent = next((raw.decode("latin-1") for name, raw in headers if name == "traceparent"), None)
    try:
        return DomainEvent(
            id=UUID(_text(envelope, "id")),
            type=_text(envelope, "type"),
            schema_version=_integer(envelope, "schema_version"),
            aggregate_type=_text(envelope, "aggregate_type"),
            aggregate_id=UUID(_text(envelope, "aggregate_id")),
            organization_id=UUID(_text(envelope, "organization_id")),
            actor_id=None if envelope["actor_id"] is None else UUID(_text(envelope, "actor_id")),
            occurred_at=_timestamp(envelope, "occurred_at"),
            payload=_object(envelope, "payload"),
            trace_context=traceparent if parse_traceparent(traceparent) is not None else None,
        )
    except ValueError as exc:
        raise MalformedEvent(str(exc)) from exc


def _text(envelope: dict[str, Any], name: str) -> str:
    value = envelope[name]
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"the envelope's {name} is not a non-empty string")
    return value


def _integer(envelope: dict[str, Any], name: str) -> int:
    value = envelope[name]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise MalformedEvent(f"the envelope's {name} is not a positive integer")
    return value


def _timestamp(envelope: dict[str, Any], name: str) -> datetime:
    moment = datetime.fromisoformat(_text(envelope, name))
    if moment.tzinfo is None:
        raise MalformedEvent(f"the envelope's {name} has no UTC offset")
    return moment


def _object(envelope: dict[str, Any], name: str) -> dict[str, Any]:
    value = envelope[name]
    if not isinstance(value, dict):
        raise MalformedEvent(f"the envelope's {name} is not a JSON object")
    return value


def _transient(error: BaseException) -> bool:
    """A broker or network condition that passes, as opposed to a message the broker will never take."""
    return isinstance(error, KafkaConnectionError | KafkaTimeoutError | TimeoutError) or (
        isinstance(error, KafkaError) and bool(getattr(error, "retriable", False))
    )


# Errors about one message that no retry cures: the relay parks such an event after its attempts.
_PERMANENT_ERRORS = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    InvalidTopicError,
    CorruptRecordException,
    InvalidMessageError,
    TypeError,
    ValueError,
    UnicodeError,
)


def _undeliverable(event: DomainEvent, error: BaseException) -> UndeliverableEvent:
    failure = UndeliverableEvent(f"Kafka rejects event {event.id} ({event.type}) for good: {error!r}")
    failure.__cause__ = error
    return failure


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options shared by producers, consumers and admin clients: brokers, client id, SASL and TLS."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        options["ssl_context"] = create_ssl_context()
    if settings.kafka_security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        options["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        options["sasl_plain_password"] = None if password is None else password.get_secret_value()
    return options


class KafkaPublisher:
    """The relay's :class:`~sos.core.relay.EventPublisher`: ``publish`` returns once the brokers acknowledged
    every event of the batch (acks=all); when they cannot be reached it raises ``PublisherUnavailable``, and when
    only part of the batch was acknowledged, ``PartialPublish``."""

    def __init__(
        self,
        options: dict[str, Any],
        *,
        topic_prefix: str,
        idempotent: bool = True,
        timeout_seconds: float = 30.0,
        topic_partitions: int = 6,
        topic_replication_factor: int = 1,
    ) -> None:
        self._options = options
        self._topic_prefix = topic_prefix
        self._idempotent = idempotent
        self._timeout_seconds = timeout_seconds
        self._topic_partitions = topic_partitions
        self._topic_replication_factor = topic_replication_factor
        self._producer: Any = None
        self._topics: set[str] = set()
        self._start_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout_seconds: float = 30.0) -> Self:
        return cls(
            client_options(settings),
            topic_prefix=settings.kafka_topic_prefix,
            idempotent=settings.kafka_enable_idempotence,
            timeout_seconds=timeout_seconds,
            topic_partitions=settings.kafka_topic_partitions,
            topic_replication_factor=settings.kafka_topic_replication_factor,
        )

    def topic(self, aggregate_type: str) -> str:
        return topic_for(self._topic_prefix, aggregate_type)

    async def start(self, aggregate_types: Iterable[str] = ()) -> None:
        """Connects and creates the topics of ``aggregate_types`` that are missing."""
        await self._started_producer()
        try:
            await self.ensure_topics(aggregate_types)
        except (KafkaError, TimeoutError) as exc:
            if _transient(exc):
                raise self._unavailable(f"Kafka is unavailable: {exc!r}") from exc
            raise

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def publish(self, events: list[DomainEvent]) -> None:
        """Sends the batch and waits for the acknowledgements; raises :class:`PartialPublish` when only some of it
        was acknowledged, naming those, so the relay marks exactly them sent."""
        if not events:
            return
        deliveries: list[tuple[DomainEvent, asyncio.Future[Any]]] = []
        failed: dict[UUID, Exception] = {}
        try:
            async with asyncio.timeout(self._timeout_seconds * 2):
                producer = await self._started_producer()
                await self.ensure_topics({event.aggregate_type for event in events})
                stopped_by = await self._send_all(producer, events, deliveries, failed)
                await asyncio.gather(*(future for _, future in deliveries), return_exceptions=True)
        except (KafkaError, TimeoutError) as exc:
            if not deliveries and not failed:
                if _transient(exc):
                    raise self._unavailable(f"Kafka is unavailable: {exc!r}") from exc
                raise
            stopped_by = exc
        finally:
            # Nothing stays in flight untracked: what is not acknowledged by now is cancelled and sent again later.
            for _, future in deliveries:
                future.cancel()
        self._report(events, deliveries, failed, stopped_by)

    async def _send_all(
        self,
        producer: Any,
        events: list[DomainEvent],
        deliveries: list[tuple[DomainEvent, asyncio.Future[Any]]],
        failed: dict[UUID, Exception],
    ) -> Exception | None:
        """Queues the events; one the producer rejects for good fails alone (and holds back its aggregate's later
        events). Returns the error that stopped the sending early, if any."""
        blocked: set[UUID] = set()
        for event in events:
            if event.aggregate_id in blocked:
                continue
            try:
                future = await producer.send(
                    self.topic(event.aggregate_type),
                    encode_event(event),
                    key=event_key(event),
                    headers=event_headers(event),
                )
            except _PERMANENT_ERRORS as exc:
                failed[event.id] = _undeliverable(event, exc)
                blocked.add(event.aggregate_id)
                continue
            except (KafkaError, TimeoutError) as exc:
                return exc
            deliveries.append((event, future))
        return None

    def _report(
        self,
        events: list[DomainEvent],
        deliveries: list[tuple[DomainEvent, asyncio.Future[Any]]],
        failed: dict[UUID, Exception],
        stopped_by: Exception | None,
    ) -> None:
        acked: list[UUID] = []
        for event, future in deliveries:
            if future.cancelled():
                continue
            error = future.exception()
            if error is None:
                acked.append(event.id)
            elif isinstance(error, _PERMANENT_ERRORS):
                failed[event.id] = _undeliverable(event, error)
            else:
                failed[event.id] = error if isinstance(error, Exception) else RuntimeError(repr(error))
        if len(acked) == len(events):
            return
        errors = [*failed.values(), *([stopped_by] if stopped_by is not None else [])]
        if not acked and errors and all(_transient(error) for error in errors):
            raise self._unavailable(f"Kafka did not acknowledge the batch: {errors[0]!r}") from errors[0]
        if not acked and not failed and stopped_by is not None:
            raise stopped_by
        if any(_transient(error) for error in errors):
            self._topics.clear()
        raise PartialPublish(acked, failed)

    def _unavailable(self, reason: str) -> PublisherUnavailable:
        # After an outage the topics are checked again: a broker that lost them would otherwise auto-create them
        # with its own defaults, or not at all.
        self._topics.clear()
        return PublisherUnavailable(reason)

    async def ensure_topics(self, aggregate_types: Iterable[str]) -> None:
        missing = sorted({self.topic(kind) for kind in aggregate_types} - self._topics)
        if not missing:
            return
        admin = AIOKafkaAdminClient(**self._options, request_timeout_ms=int(self._timeout_seconds * 1000))
        await admin.start()
        try:
            response = await admin.create_topics(
                [NewTopic(name, self._topic_partitions, self._topic_replication_factor) for name in missing]
            )
        finally:
            await admin.close()
        for name, error_code, *_ in response.topic_errors:
            if error_code not in {0, _TOPIC_ALREADY_EXISTS}:
                # Clusters that forbid creating topics have them provisioned; a topic that is really missing
                # shows up as a (retried) send failure.
                logger.warning("creating topic %s failed with Kafka error code %d", name, error_code)
            self._topics.add(name)

    async def _started_producer(self) -> Any:
        async with self._start_lock:
            if self._producer is not None:
                return self._producer
            producer = AIOKafkaProducer(
                **self._options,
                acks="all",
                enable_idempotence=self._idempotent,
                request_timeout_ms=int(self._timeout_seconds * 1000),
                linger_ms=5,
            )
            try:
                await producer.start()
            except BaseException as exc:
                # Also when the start is cancelled (a timeout): a half-started producer keeps tasks and sockets.
                await asyncio.shield(producer.stop())
                if isinstance(exc, KafkaError | OSError):
                    raise PublisherUnavailable(f"cannot connect to Kafka: {exc!r}") from exc
                raise
            self._producer = producer
            return producer
