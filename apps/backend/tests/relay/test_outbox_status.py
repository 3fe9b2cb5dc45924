"""`sos outbox status` reads the relay's lag from the outbox: pending, leased and failing events per aggregate type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.dead_letters import DeadLetterStatus
from sos.core.events import DeadLetter, OutboxEvent
from sos.core.outbox_status import OutboxStatus, outbox_status
from tests.factories import Tenant
from tests.relay.conftest import commit_events, event_of

pytestmark = pytest.mark.usefixtures("quiet_relay")


async def _status(container: Container, minutes_later: int = 0) -> OutboxStatus:
    async with container.engine.connect() as connection:
        return await outbox_status(connection, utcnow() + timedelta(minutes=minutes_later))


async def test_an_empty_outbox_has_no_lag(container: Container, tenant: Tenant) -> None:
    status = await _status(container)
    assert status.total.pending == 0
    assert status.total.lag_seconds == 0.0
    assert status.by_aggregate_type == {}


async def test_pending_events_are_counted_per_aggregate_type_with_the_age_of_the_oldest(
    container: Container, tenant: Tenant
) -> None:
    await commit_events(container, *(event_of(tenant.organization_id, aggregate_type="alert") for _ in range(2)))
    await commit_events(container, event_of(tenant.organization_id, aggregate_type="incident"))
    status = await _status(container, minutes_later=2)
    assert status.total.pending == 3
    assert status.by_aggregate_type["alert"].pending == 2
    assert status.by_aggregate_type["incident"].pending == 1
    assert 110 < status.total.lag_seconds < 130


async def test_leased_and_failing_events_are_shown_with_the_last_error(container: Container, tenant: Tenant) -> None:
    leased, failing = event_of(tenant.organization_id), event_of(tenant.organization_id)
    await commit_events(container, leased, failing)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == leased.id)
            .values(lease_owner="relay-1", lease_until=utcnow() + timedelta(minutes=1))
        )
        await connection.execute(
            update(OutboxEvent).where(OutboxEvent.id == failing.id).values(last_error="Kafka is unavailable")
        )
    status = await _status(container)
    assert status.by_aggregate_type["test"].leased == 1
    assert status.by_aggregate_type["test"].failing == 1
    assert status.total.last_error == "Kafka is unavailable"


async def test_published_events_are_no_longer_counted(container: Container, tenant: Tenant) -> None:
    await commit_events(container, event_of(tenant.organization_id))
    async with container.engine.begin() as connection:
        await connection.execute(update(OutboxEvent).values(published_at=utcnow()))
    assert (await _status(container)).total.pending == 0


async def test_parked_events_are_counted_apart_and_do_not_age_the_backlog(container: Container, tenant: Tenant) -> None:
    parked = event_of(tenant.organization_id)
    await commit_events(container, parked)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == parked.id)
            .values(parked_at=utcnow(), last_error="MessageSizeTooLargeError")
        )
    status = await _status(container, minutes_later=5)
    assert (status.total.pending, status.total.parked) == (0, 1)
    assert status.total.lag_seconds == 0.0
    assert status.total.last_error == "MessageSizeTooLargeError"


async def test_events_an_in_process_consumer_parked_are_counted_per_consumer(
    container: Container, tenant: Tenant
) -> None:
    event = event_of(tenant.organization_id)
    now = utcnow()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(DeadLetter).values(
                consumer="notifications",
                event_id=event.id,
                status=DeadLetterStatus.PARKED,
                event_type=event.type,
                aggregate_type=event.aggregate_type,
                aggregate_id=event.aggregate_id,
                organization_id=event.organization_id,
                payload=event.payload,
                attempts=5,
                error="boom",
                first_failed_at=now,
                last_failed_at=now,
            )
        )
    assert (await _status(container)).dead_letters == {"notifications": 1}
