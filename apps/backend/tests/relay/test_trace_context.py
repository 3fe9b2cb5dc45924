"""Events carry the W3C trace context of the request that committed them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import select

from sos.core.bus import Consumer, consume_once
from sos.core.container import Container
from sos.core.events import DomainEvent, OutboxEvent
from sos.core.ids import new_id
from sos.core.request_context import parse_traceparent
from sos.core.uow import UnitOfWork
from tests.factories import Tenant, sos_body

CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_TRACEPARENT = f"00-{CALLER_TRACE_ID}-00f067aa0ba902b7-01"


async def _trace_of_alert(container: Container, alert_id: str) -> str | None:
    async with container.engine.connect() as connection:
        trace: str | None = (
            await connection.execute(
                select(OutboxEvent.trace_context).where(OutboxEvent.aggregate_id == UUID(alert_id)).limit(1)
            )
        ).scalar_one()
        return trace


async def _raise_with(client: AsyncClient, tenant: Tenant, headers: dict[str, str]) -> str:
    response = await client.post("/api/v1/alerts", json=sos_body(), headers={**tenant.reporter.headers, **headers})
    assert response.status_code == 201, response.text
    alert_id: str = response.json()["id"]
    return alert_id


async def test_an_event_continues_the_callers_trace_in_a_span_of_its_own(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = await _raise_with(client, tenant, {"traceparent": CALLER_TRACEPARENT})
    trace = await _trace_of_alert(container, alert_id)
    assert trace is not None
    assert parse_traceparent(trace) == (CALLER_TRACE_ID, "01")
    assert trace != CALLER_TRACEPARENT


async def test_a_request_without_a_traceparent_starts_a_new_trace(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    first = await _trace_of_alert(container, await _raise_with(client, tenant, {}))
    second = await _trace_of_alert(container, await _raise_with(client, tenant, {}))
    first_trace, second_trace = parse_traceparent(first), parse_traceparent(second)
    assert first_trace is not None
    assert second_trace is not None
    assert first_trace[0] != second_trace[0]


async def test_a_malformed_traceparent_is_replaced_by_a_new_trace(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    malformed = f"00-{'0' * 32}-00f067aa0ba902b7-01"
    trace = await _trace_of_alert(container, await _raise_with(client, tenant, {"traceparent": malformed}))
    assert trace is not None
    parsed = parse_traceparent(trace)
    assert parsed is not None
    assert parsed[0] != "0" * 32


class _Echo(Consumer):
    """Records one follow-up event per event it consumes, as the escalation and notification consumers do."""

    name = "trace-echo"

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        for event in events:
            uow.record(
                DomainEvent(
                    type="test.echoed",
                    aggregate_type="test",
                    aggregate_id=event.aggregate_id,
                    organization_id=event.organization_id,
                    payload={},
                )
            )


async def test_events_a_consumer_records_continue_the_trace_of_the_event_it_consumed(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    cause = DomainEvent(
        type="test.happened",
        aggregate_type="test",
        aggregate_id=new_id(),
        organization_id=tenant.organization_id,
        payload={},
        trace_context=CALLER_TRACEPARENT,
    )
    await consume_once(container.uow_factory, _Echo(), [cause])
    async with container.engine.connect() as connection:
        echoed = (
            await connection.execute(select(OutboxEvent.trace_context).where(OutboxEvent.event_type == "test.echoed"))
        ).scalar_one()
    assert parse_traceparent(echoed) == (CALLER_TRACE_ID, "01")
    assert echoed != CALLER_TRACEPARENT
