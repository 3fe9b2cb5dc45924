"""Domain events and the outbox tables that carry them out of a transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, JSONValue, utcnow
from sos.core.ids import new_id


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened to an aggregate, recorded in the same transaction as the change."""

    type: str
    aggregate_type: str
    aggregate_id: UUID
    organization_id: UUID
    payload: dict[str, Any]
    actor_id: UUID | None = None
    schema_version: int = 1
    id: UUID = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=utcnow)
    trace_context: str | None = None
    """The W3C ``traceparent`` of the work that caused the event; set when its unit of work commits."""


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_pending", "published_at", "id"),
        Index("ix_outbox_events_aggregate", "aggregate_id", "published_at"),
        Index("ix_outbox_events_lease", "lease_until"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    aggregate_type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[UUID]
    event_type: Mapped[str] = mapped_column(String(96))
    schema_version: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    occurred_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    trace_context: Mapped[str | None] = mapped_column(String(64))
    parked_at: Mapped[datetime | None]
    """Set when the publisher rejected the event for good (too large, invalid topic, not serialisable): the relay
    stops claiming it, and the later events of its aggregate go ahead without it. It stays unpublished and failing."""


class ProcessedMessage(Base):
    """The idempotency key of a consumer: an event it has already applied."""

    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeadLetter(Base):
    """An event a consumer of the in-process bus failed on: ``retrying`` while it is retried, ``parked`` once it
    failed ``max_attempts`` times and the consumer goes on without it (as the Kafka dead-letter topic does)."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_event", "event_id"), Index("ix_dead_letters_status", "status"))

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(96))
    aggregate_type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[UUID]
    organization_id: Mapped[UUID]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    first_failed_at: Mapped[datetime]
    last_failed_at: Mapped[datetime]


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value``: ids and times as strings, lists and dicts element by element."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def aggregate_event(
    aggregate_type: str,
    event_type: str,
    *,
    aggregate_id: UUID,
    organization_id: UUID,
    actor_id: UUID | None,
    **payload: Any,
) -> DomainEvent:
    """An event named ``<aggregate_type>.<event_type>`` whose payload names the aggregate as ``<aggregate_type>_id``."""
    return DomainEvent(
        type=f"{aggregate_type}.{event_type}",
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        organization_id=organization_id,
        actor_id=actor_id,
        payload={f"{aggregate_type}_id": str(aggregate_id), **plain(payload)},
    )


def outbox_row(event: DomainEvent, trace_context: str | None = None) -> dict[str, Any]:
    """The outbox row of ``event``; ``trace_context`` applies when the event has none of its own."""
    return {
        "id": event.id,
        "organization_id": event.organization_id,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "event_type": event.type,
        "schema_version": event.schema_version,
        "actor_id": event.actor_id,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
        "published_at": None,
        "lease_owner": None,
        "lease_until": None,
        "attempts": 0,
        "last_error": None,
        "trace_context": event.trace_context or trace_context,
        "parked_at": None,
    }


def event_from_row(row: Any) -> DomainEvent:
    return DomainEvent(
        id=row.id,
        type=row.event_type,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        organization_id=row.organization_id,
        payload=row.payload,
        actor_id=row.actor_id,
        schema_version=row.schema_version,
        occurred_at=row.occurred_at,
        trace_context=row.trace_context,
    )
