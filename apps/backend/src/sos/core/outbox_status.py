"""How far the outbox relay is behind: pending, leased, failing and parked events, the age of the oldest pending one,
and the events each in-process consumer has parked (the embedded mode's dead letters)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.core.dead_letters import DeadLetterStatus
from sos.core.events import DeadLetter, OutboxEvent


@dataclass(frozen=True, slots=True)
class Backlog:
    """The unpublished events of one aggregate type, or of all of them."""

    pending: int = 0
    leased: int = 0
    failing: int = 0
    parked: int = 0
    """Rejected by the broker for good (too large, invalid): never retried; their aggregates went on without them."""
    oldest_pending_at: datetime | None = None
    lag_seconds: float = 0.0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    checked_at: datetime
    total: Backlog
    by_aggregate_type: dict[str, Backlog] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    """Events each in-process consumer gave up on, by consumer name."""

    def as_json(self) -> dict[str, Any]:
        plain: dict[str, Any] = _plain(asdict(self))
        return plain


async def outbox_status(connection: AsyncConnection, now: datetime) -> OutboxStatus:
    unpublished = OutboxEvent.published_at.is_(None)
    waiting = OutboxEvent.parked_at.is_(None)
    pending = func.sum(_flag(waiting))
    leased = func.sum(_flag(waiting & (OutboxEvent.lease_until > now)))
    failing = func.sum(_flag(waiting & OutboxEvent.last_error.is_not(None)))
    parked = func.sum(_flag(OutboxEvent.parked_at.is_not(None)))
    oldest = func.min(case((waiting, OutboxEvent.occurred_at)))
    counts = await connection.execute(
        select(OutboxEvent.aggregate_type, pending, leased, failing, parked, oldest)
        .where(unpublished)
        .group_by(OutboxEvent.aggregate_type)
        .order_by(OutboxEvent.aggregate_type)
    )
    by_type = {
        row.aggregate_type: Backlog(
            pending=int(row[1] or 0),
            leased=int(row[2] or 0),
            failing=int(row[3] or 0),
            parked=int(row[4] or 0),
            oldest_pending_at=row[5],
            lag_seconds=_age(row[5], now),
            last_error=await _last_error(connection, row.aggregate_type) if row[3] or row[4] else None,
        )
        for row in counts.all()
    }
    return OutboxStatus(
        checked_at=now,
        total=_sum(list(by_type.values()), now),
        by_aggregate_type=by_type,
        dead_letters=await _parked_by_consumer(connection),
    )


async def _parked_by_consumer(connection: AsyncConnection) -> dict[str, int]:
    rows = await connection.execute(
        select(DeadLetter.consumer, func.count())
        .where(DeadLetter.status == DeadLetterStatus.PARKED)
        .group_by(DeadLetter.consumer)
        .order_by(DeadLetter.consumer)
    )
    return {consumer: int(count) for consumer, count in rows.all()}


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


async def _last_error(connection: AsyncConnection, aggregate_type: str) -> str | None:
    """The error of the newest failing pending event of ``aggregate_type``."""
    error: str | None = (
        await connection.execute(
            select(OutboxEvent.last_error)
            .where(
                OutboxEvent.published_at.is_(None),
                OutboxEvent.aggregate_type == aggregate_type,
                OutboxEvent.last_error.is_not(None),
            )
            .order_by(OutboxEvent.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return error


def _sum(items: list[Backlog], now: datetime) -> Backlog:
    oldest = min((item.oldest_pending_at for item in items if item.oldest_pending_at is not None), default=None)
    oldest_first = sorted(items, key=lambda item: item.oldest_pending_at or now)
    return Backlog(
        pending=sum(item.pending for item in items),
        leased=sum(item.leased for item in items),
        failing=sum(item.failing for item in items),
        parked=sum(item.parked for item in items),
        oldest_pending_at=oldest,
        lag_seconds=_age(oldest, now),
        last_error=next((item.last_error for item in oldest_first if item.last_error), None),
    )


def _age(oldest: datetime | None, now: datetime) -> float:
    return 0.0 if oldest is None else max(0.0, round((now - oldest).total_seconds(), 3))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
