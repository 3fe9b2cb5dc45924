"""Reading trails: a responder's, newest first and paginated, for staff and for the responder themself; an alert's
within a time window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.users.domain import Role
from tests.factories import Tenant, add_member, raise_sos
from tests.locations.helpers import ago, fix, post_alert_batch, post_my_batch, trail_of


def lats(response: Any) -> list[float]:
    return [point["lat"] for point in response.json()["items"]]


async def five_fixes(client: AsyncClient, tenant: Tenant) -> None:
    """Fixes with latitudes 1 to 5, taken 5 to 1 hours ago."""
    response = await post_my_batch(client, tenant.responder, [fix(float(n), at=ago(hours=6 - n)) for n in range(1, 6)])
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
async def test_staff_read_a_responders_trail_newest_first(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    await five_fixes(client, tenant)
    response = await trail_of(client, tenant.members[role], tenant.responder.user_id)
    assert response.status_code == 200
    assert lats(response) == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert set(response.json()["items"][0]) == {"lat", "lon", "accuracy_m", "recorded_at"}


async def test_the_trail_pages_through_every_fix_once(client: AsyncClient, tenant: Tenant) -> None:
    await five_fixes(client, tenant)
    seen: list[float] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await trail_of(client, tenant.coordinator, tenant.responder.user_id, **params)
        seen += lats(page)
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [5.0, 4.0, 3.0, 2.0, 1.0]


async def test_fixes_stored_at_the_same_moment_page_without_loss_or_repeat(client: AsyncClient, tenant: Tenant) -> None:
    ahead = [fix(float(n), at=utcnow() + timedelta(minutes=n)) for n in (1, 2, 3)]
    await post_my_batch(client, tenant.responder, ahead)  # a clock running ahead: all three count as taken now
    first = await trail_of(client, tenant.admin, tenant.responder.user_id, limit=2)
    rest = await trail_of(client, tenant.admin, tenant.responder.user_id, limit=2, cursor=first.json()["next_cursor"])
    assert lats(first) + lats(rest) == [3.0, 2.0, 1.0]
    assert len({point["recorded_at"] for point in first.json()["items"] + rest.json()["items"]}) == 1


async def test_since_and_until_bound_the_trail(client: AsyncClient, tenant: Tenant) -> None:
    await five_fixes(client, tenant)
    response = await trail_of(
        client,
        tenant.admin,
        tenant.responder.user_id,
        since=ago(hours=4, minutes=1).isoformat(),
        until=ago(hours=1, minutes=30).isoformat(),
    )
    assert lats(response) == [4.0, 3.0, 2.0]


async def test_a_window_that_ends_before_it_starts_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await trail_of(
        client, tenant.admin, tenant.responder.user_id, since=ago(hours=1).isoformat(), until=ago(hours=2).isoformat()
    )
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/until"]


async def test_a_responder_reads_their_own_trail(client: AsyncClient, tenant: Tenant) -> None:
    await five_fixes(client, tenant)
    response = await trail_of(client, tenant.responder, tenant.responder.user_id, limit=1)
    assert lats(response) == [5.0]


async def test_a_responder_cannot_read_a_colleagues_trail(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await five_fixes(client, tenant)
    colleague = await add_member(container, tenant, Role.RESPONDER, label="colleague")
    response = await trail_of(client, colleague, tenant.responder.user_id)
    assert response.status_code == 404


async def test_a_reporter_cannot_read_trails(client: AsyncClient, tenant: Tenant) -> None:
    response = await trail_of(client, tenant.reporter, tenant.responder.user_id)
    assert response.status_code == 403


async def test_another_organizations_staff_do_not_see_the_trail(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await five_fixes(client, tenant)
    response = await trail_of(client, other_tenant.admin, tenant.responder.user_id)
    assert response.status_code == 404


async def test_the_trail_of_an_unknown_user_is_not_found(client: AsyncClient, tenant: Tenant) -> None:
    assert (await trail_of(client, tenant.admin, uuid4())).status_code == 404


async def test_a_responder_without_fixes_has_an_empty_trail(client: AsyncClient, tenant: Tenant) -> None:
    response = await trail_of(client, tenant.admin, tenant.responder.user_id)
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": 0}, 422, "validation_failed"),
        ({"limit": 201}, 422, "validation_failed"),
        ({"since": "2026-01-01T00:00:00"}, 422, "validation_failed"),
        ({"cursor": "not-one-we-issued"}, 400, "invalid_cursor"),
    ],
)
async def test_bad_trail_queries_are_refused(
    client: AsyncClient, tenant: Tenant, params: dict[str, Any], status: int, code: str
) -> None:
    response = await trail_of(client, tenant.admin, tenant.responder.user_id, **params)
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_an_alert_trail_can_be_read_since_a_moment(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await post_alert_batch(client, tenant.reporter, alert["id"], [fix(1.0, at=ago(minutes=20)), fix(2.0)])
    response = await client.get(
        f"/api/v1/alerts/{alert['id']}/locations",
        params={"since": ago(minutes=10).isoformat()},
        headers=tenant.coordinator.headers,
    )
    assert [point["lat"] for point in response.json()] == [52.52, 2.0]
