"""The dead letters of the in-process bus: how often each consumer failed on each event, and which it gave up on.

The counts live in the database, so a restart does not start them over. Once a consumer failed ``max_attempts``
times on an event, the event is parked for that consumer: it goes on with the later events, and the row keeps the
payload and the error for whoever repairs and replays it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from sos.core.db import utcnow
from sos.core.events import DeadLetter, DomainEvent

logger = logging.getLogger("sos.dead_letters")
_MAX_ERROR_CHARS = 2000


class DeadLetterStatus(StrEnum):
    RETRYING = "retrying"
    PARKED = "parked"


async def dead_letter_states(engine: AsyncEngine, event_ids: Sequence[UUID]) -> dict[tuple[str, UUID], str]:
    """The status of every (consumer, event) among ``event_ids`` that some consumer has failed on."""
    if not event_ids:
        return {}
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(DeadLetter.consumer, DeadLetter.event_id, DeadLetter.status).where(
                DeadLetter.event_id.in_(list(event_ids))
            )
        )
        return {(consumer, event_id): status for consumer, event_id, status in rows}


async def forget_retries(engine: AsyncEngine, consumer: str, event_ids: Sequence[UUID]) -> None:
    """Drops the failure counts of events that ``consumer`` has now applied."""
    if not event_ids:
        return
    async with engine.begin() as connection:
        await connection.execute(
            delete(DeadLetter).where(
                DeadLetter.consumer == consumer,
                DeadLetter.event_id.in_(list(event_ids)),
                DeadLetter.status == DeadLetterStatus.RETRYING,
            )
        )


async def record_failure(
    engine: AsyncEngine, consumer: str, event: DomainEvent, error: BaseException, *, max_attempts: int
) -> DeadLetterStatus:
    """Counts one more failure of ``consumer`` on ``event``; parks the event after ``max_attempts`` failures."""
    now = utcnow()
    message = f"{type(error).__name__}: {error}"[:_MAX_ERROR_CHARS]
    async with engine.begin() as connection:
        attempts = (
            await connection.execute(
                select(DeadLetter.attempts)
                .where(DeadLetter.consumer == consumer, DeadLetter.event_id == event.id)
                .with_for_update()
            )
        ).scalar_one_or_none()
        attempts = (attempts or 0) + 1
        status = DeadLetterStatus.PARKED if attempts >= max_attempts else DeadLetterStatus.RETRYING
        if attempts == 1:
            await connection.execute(
                insert(DeadLetter).values(
                    consumer=consumer,
                    event_id=event.id,
                    status=status,
                    event_type=event.type,
                    aggregate_type=event.aggregate_type,
                    aggregate_id=event.aggregate_id,
                    organization_id=event.organization_id,
                    payload=event.payload,
                    attempts=attempts,
                    error=message,
                    first_failed_at=now,
                    last_failed_at=now,
                )
            )
        else:
            await connection.execute(
                update(DeadLetter)
                .where(DeadLetter.consumer == consumer, DeadLetter.event_id == event.id)
                .values(status=status, attempts=attempts, error=message, last_failed_at=now)
            )
    if status is DeadLetterStatus.PARKED:
        logger.error(
            "consumer %s gave up on event %s (%s, aggregate %s) after %d attempts; parked in dead_letters: %s",
            consumer,
            event.id,
            event.type,
            event.aggregate_id,
            attempts,
            message,
        )
    return status


async def record_failure_safely(
    engine: AsyncEngine, consumer: str, event: DomainEvent, error: BaseException, *, max_attempts: int
) -> DeadLetterStatus:
    """:func:`record_failure`, or ``RETRYING`` when the failure cannot be recorded (the event is simply retried)."""
    try:
        return await record_failure(engine, consumer, event, error, max_attempts=max_attempts)
    except Exception:
        logger.exception("could not record the failure of consumer %s on event %s", consumer, event.id)
        return DeadLetterStatus.RETRYING
