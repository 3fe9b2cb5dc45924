"""The analytics projection: one row per alert, whatever the order or the number of deliveries of its events."""

from __future__ import annotations

import random
from datetime import timedelta
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import func, select

from sos.analytics.consumer import AnalyticsProjection
from sos.analytics.models import AlertResponseMetric
from sos.core.container import Container
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from tests.analytics.support import T0, TRIGGERED, alert_event, metrics_of, project
from tests.factories import Tenant, raise_sos

COLUMNS = (
    "severity",
    "category",
    "source",
    "triggered_at",
    "acknowledged_at",
    "first_dispatched_at",
    "on_scene_at",
    "resolved_at",
    "cancelled_at",
    "seconds_to_acknowledge",
    "seconds_to_resolve",
    "escalation_steps",
    "reopened_count",
)


def _full_lifecycle(tenant: Tenant) -> list[DomainEvent]:
    alert_id, org = new_id(), tenant.organization_id
    return [
        alert_event("triggered", alert_id, org, severity="critical", **TRIGGERED),
        alert_event("escalated", alert_id, org, after_seconds=10),
        alert_event("acknowledged", alert_id, org, after_seconds=30),
        alert_event("dispatched", alert_id, org, after_seconds=60),
        alert_event("on_scene", alert_id, org, after_seconds=300),
        alert_event("resolved", alert_id, org, after_seconds=900),
    ]


async def test_a_lifecycle_records_each_step_and_the_durations(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    events = _full_lifecycle(tenant)
    await project(container, *events)
    row = await metrics_of(container, events[0].aggregate_id)
    assert (row.organization_id, row.severity, row.category, row.source) == (
        tenant.organization_id,
        "critical",
        "medical",
        "app",
    )
    assert row.triggered_at == T0
    assert row.acknowledged_at == T0 + timedelta(seconds=30)
    assert row.first_dispatched_at == T0 + timedelta(seconds=60)
    assert row.on_scene_at == T0 + timedelta(seconds=300)
    assert row.resolved_at == T0 + timedelta(seconds=900)
    assert (row.seconds_to_acknowledge, row.seconds_to_resolve) == (30.0, 900.0)
    assert (row.escalation_steps, row.reopened_count, row.cancelled_at) == (1, 0, None)


async def test_events_in_any_order_give_the_same_row(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    in_order = _full_lifecycle(tenant)
    shuffled = _full_lifecycle(tenant)
    random.Random(4).shuffle(shuffled)
    for event in shuffled:
        await project(container, event)
    await project(container, *in_order)
    expected = await metrics_of(container, in_order[0].aggregate_id)
    actual = await metrics_of(container, shuffled[0].aggregate_id)
    assert [getattr(actual, name) for name in COLUMNS] == [getattr(expected, name) for name in COLUMNS]


async def test_a_redelivered_event_has_one_effect(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    alert_id = new_id()
    escalated = alert_event("escalated", alert_id, tenant.organization_id, after_seconds=5)
    assert await project(container, escalated) == 1
    assert await project(container, escalated) == 0
    assert (await metrics_of(container, alert_id)).escalation_steps == 1


async def test_each_statement_is_safe_to_repeat_even_past_the_processed_key(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    events = _full_lifecycle(tenant)
    for _ in range(2):
        async with container.uow_factory() as uow:
            await AnalyticsProjection().handle(uow, events)
            await uow.commit()
    row = await metrics_of(container, events[0].aggregate_id)
    assert (row.escalation_steps, row.seconds_to_acknowledge, row.seconds_to_resolve) == (1, 30.0, 900.0)


async def test_a_reopened_alert_keeps_its_first_acknowledgement_and_its_last_resolution(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id, org = new_id(), tenant.organization_id
    await project(
        container,
        alert_event("triggered", alert_id, org, severity="high", **TRIGGERED),
        alert_event("acknowledged", alert_id, org, after_seconds=20),
        alert_event("resolved", alert_id, org, after_seconds=100),
        alert_event("reopened", alert_id, org, after_seconds=200),
        alert_event("escalated", alert_id, org, after_seconds=260),
        alert_event("escalated", alert_id, org, after_seconds=320),
        alert_event("acknowledged", alert_id, org, after_seconds=330),
        alert_event("resolved", alert_id, org, after_seconds=600),
    )
    row = await metrics_of(container, alert_id)
    assert (row.seconds_to_acknowledge, row.seconds_to_resolve) == (20.0, 600.0)
    assert (row.reopened_count, row.escalation_steps) == (1, 2)


async def test_a_cancelled_alert_has_no_resolution_time(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id, org = new_id(), tenant.organization_id
    await project(
        container,
        alert_event("triggered", alert_id, org, severity="low", **TRIGGERED),
        alert_event("cancelled", alert_id, org, after_seconds=45),
    )
    row = await metrics_of(container, alert_id)
    assert row.cancelled_at == T0 + timedelta(seconds=45)
    assert (row.seconds_to_acknowledge, row.seconds_to_resolve) == (None, None)


async def test_events_that_are_not_about_the_lifecycle_are_ignored(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert_id = new_id()
    await project(container, alert_event("location_recorded", alert_id, tenant.organization_id, lat=1.0, lon=2.0))
    async with container.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(AlertResponseMetric)) == 0


async def test_an_sos_raised_and_acknowledged_through_the_api_is_projected(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter, severity="critical")
    response = await client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    await container.relay.drain()
    row = await metrics_of(container, UUID(alert["id"]))
    assert (row.severity, row.source) == ("critical", alert["source"])
    assert row.acknowledged_at is not None
    assert row.seconds_to_acknowledge >= 0
