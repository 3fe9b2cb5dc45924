"""Retention deletes raw fixes older than the configured days, in bounded batches, but never a responder's last
location nor the trail of an open alert."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.locations.scheduler import LocationRetention
from tests.factories import Tenant, raise_sos
from tests.locations.helpers import (
    RESPONDERS,
    ago,
    fix,
    post_alert_batch,
    post_my_batch,
    stored_alert_lats,
    stored_responder_lats,
)

LIMIT = 100


def retention(container: Container) -> LocationRetention:
    return LocationRetention(container.uow_factory, container.settings)


def days_past_retention(container: Container, extra: float) -> float:
    return container.settings.location_retention_days + extra


async def test_fixes_older_than_the_retention_are_deleted_and_recent_ones_kept(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    old = days_past_retention(container, 5)
    fixes = [fix(1.0, at=ago(days=old)), fix(2.0, at=ago(days=old - 1)), fix(3.0, at=ago(days=1)), fix(4.0)]
    await post_my_batch(client, tenant.responder, fixes)
    assert await retention(container).run_due(utcnow(), LIMIT) == 2
    assert await stored_responder_lats(container, tenant.responder.user_id) == [3.0, 4.0]


async def test_the_last_location_is_kept_however_old(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    old = days_past_retention(container, 5)
    await post_my_batch(client, tenant.responder, [fix(1.0, at=ago(days=old)), fix(2.0, at=ago(days=old - 1))])
    await retention(container).run_due(utcnow(), LIMIT)
    assert await stored_responder_lats(container, tenant.responder.user_id) == [2.0]
    profile = (await client.get(f"{RESPONDERS}/me", headers=tenant.responder.headers)).json()
    assert profile["last_location"]["lat"] == 2.0


async def test_an_open_alerts_trail_is_kept_however_old(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    old_fix = fix(1.0, at=ago(days=days_past_retention(container, 1)))
    await post_alert_batch(client, tenant.reporter, alert["id"], [old_fix])
    assert await retention(container).run_due(utcnow(), LIMIT) == 0
    assert await stored_alert_lats(container, alert["id"]) == [52.52, 1.0]


async def test_a_closed_alerts_old_fixes_are_deleted_and_its_position_kept(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    old_fix = fix(1.0, at=ago(days=days_past_retention(container, 1)))
    await post_alert_batch(client, tenant.reporter, alert["id"], [old_fix])
    await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.reporter.headers)
    assert await retention(container).run_due(utcnow(), LIMIT) == 1
    assert await stored_alert_lats(container, alert["id"]) == [52.52]
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert (stored["lat"], stored["lon"]) == (52.52, 13.405)


async def test_a_closed_alerts_whole_trail_goes_once_it_is_old_enough(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.reporter.headers)
    later = utcnow() + timedelta(days=days_past_retention(container, 1))
    assert await retention(container).run_due(later, LIMIT) == 1
    assert await stored_alert_lats(container, alert["id"]) == []


async def test_each_run_deletes_at_most_its_limit(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    old = days_past_retention(container, 1)
    await post_my_batch(client, tenant.responder, [fix(float(n), at=ago(days=old, minutes=n)) for n in range(5)])
    await post_my_batch(client, tenant.responder, [fix(9.0)])
    work = retention(container)
    assert [await work.run_due(utcnow(), 2) for _ in range(3)] == [2, 2, 1]
    assert await stored_responder_lats(container, tenant.responder.user_id) == [9.0]


async def test_after_finding_nothing_due_it_looks_again_a_minute_later(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    work = retention(container)
    now = utcnow()
    assert await work.run_due(now, LIMIT) == 0
    old = days_past_retention(container, 1)
    await post_my_batch(client, tenant.responder, [fix(1.0, at=ago(days=old)), fix(2.0)])
    assert await work.run_due(now + timedelta(seconds=59), LIMIT) == 0
    assert await work.run_due(now + timedelta(seconds=61), LIMIT) == 1


async def test_the_scheduler_runs_retention(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await post_my_batch(client, tenant.responder, [fix(1.0, at=ago(days=2)), fix(2.0, at=ago(days=1)), fix(3.0)])
    # Far enough ahead that fixes 1 and 2 are out of retention, and at a moment no other test ticks at, so the
    # scheduler's retention is not resting after another test's tick.
    later = utcnow() + timedelta(days=days_past_retention(container, 0.5), minutes=17)
    done = await container.scheduler.tick(now=later)
    assert done["location_retention"] == 2
    assert await stored_responder_lats(container, tenant.responder.user_id) == [3.0]
