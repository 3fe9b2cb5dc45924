"""Location uploads are limited per user; a batch is one upload; Redis shares the count and its outage lets uploads
through."""

from __future__ import annotations

import os
from uuid import uuid4

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.errors import TooManyRequests
from sos.locations.limits import LocationRateLimiter, location_limiter
from sos.users.domain import Role
from tests.factories import Tenant, add_member, raise_sos
from tests.locations.conftest import TIGHT_LIMIT
from tests.locations.helpers import ago, fix, post_my_batch, post_my_fix, stored_responder_lats

REDIS_URL = os.environ.get("SOS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.usefixtures("tight_limit")
async def test_an_upload_over_the_limit_gets_429_with_retry_after(client: AsyncClient, tenant: Tenant) -> None:
    for _ in range(TIGHT_LIMIT):
        assert (await post_my_fix(client, tenant.responder)).status_code == 201
    refused = await post_my_fix(client, tenant.responder)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["retry_after_seconds"] == int(refused.headers["Retry-After"])


@pytest.mark.usefixtures("tight_limit")
async def test_a_refused_upload_stores_nothing(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    for n in range(TIGHT_LIMIT + 1):
        await post_my_fix(client, tenant.responder, lat=float(n))
    assert await stored_responder_lats(container, tenant.responder.user_id) == [0.0, 1.0, 2.0]


@pytest.mark.usefixtures("tight_limit")
async def test_the_limit_is_per_user(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    for _ in range(TIGHT_LIMIT + 1):
        await post_my_fix(client, tenant.responder)
    colleague = await add_member(container, tenant, Role.RESPONDER, label="colleague")
    assert (await post_my_fix(client, colleague)).status_code == 201


@pytest.mark.usefixtures("tight_limit")
async def test_a_batch_counts_as_one_upload(client: AsyncClient, tenant: Tenant) -> None:
    queue = [fix(float(n), at=ago(minutes=30 - n)) for n in range(20)]
    for start in range(0, len(queue), 10):
        response = await post_my_batch(client, tenant.responder, queue[start : start + 10])
        assert response.status_code == 201, response.text
    assert (await post_my_fix(client, tenant.responder)).status_code == 201
    assert (await post_my_fix(client, tenant.responder)).status_code == 429


@pytest.mark.usefixtures("tight_limit")
async def test_the_person_in_danger_is_never_refused_a_fix_of_their_own_sos(
    client: AsyncClient, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    url = f"/api/v1/alerts/{alert['id']}/locations"
    for _ in range(TIGHT_LIMIT * 2):
        assert (await client.post(url, json={"lat": 1, "lon": 1}, headers=tenant.reporter.headers)).status_code == 201


@pytest.mark.usefixtures("tight_limit")
async def test_staff_adding_to_an_alert_trail_count_against_their_limit(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    url = f"/api/v1/alerts/{alert['id']}/locations"
    for _ in range(TIGHT_LIMIT):
        assert (
            await client.post(url, json={"lat": 1, "lon": 1}, headers=tenant.coordinator.headers)
        ).status_code == 201
    refused = await client.post(url, json={"lat": 1, "lon": 1}, headers=tenant.coordinator.headers)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


async def test_the_app_limits_at_the_configured_rate(container: Container) -> None:
    limiter = await location_limiter(container)
    assert limiter.per_minute == container.settings.location_updates_per_minute
    assert await location_limiter(container) is limiter


async def test_replicas_share_the_count_in_redis() -> None:
    one, other = LocationRateLimiter(REDIS_URL, per_minute=2), LocationRateLimiter(REDIS_URL, per_minute=2)
    user_id = uuid4()
    await one.take(user_id)
    await other.take(user_id)
    with pytest.raises(TooManyRequests):
        await one.take(user_id)


async def test_unreachable_redis_lets_uploads_through() -> None:
    limiter = LocationRateLimiter("redis://127.0.0.1:1/0", per_minute=1)
    user_id = uuid4()
    for _ in range(3):
        await limiter.take(user_id)
