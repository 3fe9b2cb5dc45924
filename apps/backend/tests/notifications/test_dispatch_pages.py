"""Dispatch offers reach the responder they are made to, one at a time, and nobody else."""

from __future__ import annotations

from httpx import AsyncClient

from sos.core.container import Container
from tests.dispatch.support import (
    ALERT_SPOT,
    assign_team,
    north_of,
    offer_to,
    place,
    responder_at,
    set_dispatch,
    sos_at,
    start_auto,
    team_of,
)
from tests.factories import Tenant
from tests.notifications.helpers import notifications_of, settle


async def test_an_offer_pages_the_responder_it_is_made_to(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 300))
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await offer_to(client, tenant, alert_id, tenant.responder)
    await settle(container)
    pages = [
        row for row in await notifications_of(container, tenant.responder.user_id) if row.kind == "alert.offer_made"
    ]
    assert [(page.title, str(page.alert_id)) for page in pages] == [("Dispatch offer: high medical SOS", alert_id)]


async def test_assigning_an_auto_mode_team_pages_only_the_member_offered_the_alert(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    near = await responder_at(container, tenant, *north_of(ALERT_SPOT, 200), label="near")
    far = await responder_at(container, tenant, *north_of(ALERT_SPOT, 2_000), label="far")
    team_id = await team_of(container, tenant, near, far)
    await set_dispatch(client, tenant, team_id, mode="auto")
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await assign_team(client, tenant, alert_id, team_id)
    await settle(container)
    assert [row.kind for row in await notifications_of(container, near.user_id)] == ["alert.offer_made"]
    assert await notifications_of(container, far.user_id) == []


async def test_a_dispatch_nobody_can_take_tells_whoever_started_it(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, None, None)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await start_auto(client, tenant, alert_id)
    await settle(container)
    pages = [
        row
        for row in await notifications_of(container, tenant.coordinator.user_id)
        if row.kind == "alert.dispatch_exhausted"
    ]
    assert [page.title for page in pages] == ["Nobody took the high medical SOS"]


async def test_members_an_auto_mode_team_could_not_offer_the_alert_are_paged_once_it_runs_out(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    unlocated = await responder_at(container, tenant, *north_of(ALERT_SPOT, 200), label="unlocated")
    await place(container, unlocated, None, None)
    team_id = await team_of(container, tenant, unlocated)
    await set_dispatch(client, tenant, team_id, mode="auto")
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    await assign_team(client, tenant, alert_id, team_id)
    await settle(container)
    assert [row.kind for row in await notifications_of(container, unlocated.user_id)] == ["alert.dispatch_exhausted"]
