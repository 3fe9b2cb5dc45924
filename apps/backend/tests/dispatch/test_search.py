"""The nearest-responder query on each database: known coordinates (near the antimeridian and the poles too),
the expanding search, skills and team filters, and who is left out."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import insert

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.dispatch.domain import Point, haversine_m
from sos.dispatch.search import Search, nearest
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.users.domain import Role
from tests.dispatch.support import ALERT_SPOT, north_of, place, responder_at, team_of
from tests.factories import Tenant, add_member


async def _nearest(
    container: Container,
    tenant: Tenant,
    origin: Point,
    *,
    radius_m: float = 50_000,
    limit: int = 10,
    skills: tuple[str, ...] = (),
    team_id: UUID | None = None,
    exclude: frozenset[UUID] = frozenset(),
    located_since: datetime | None = None,
) -> list[UUID]:
    wanted = Search(
        organization_id=tenant.organization_id,
        origin=origin,
        radius_m=radius_m,
        limit=limit,
        skills=skills,
        team_id=team_id,
        exclude=exclude,
        located_since=located_since,
    )
    uow = container.uow_factory()
    async with uow.read():
        return [candidate.user_id for candidate in await nearest(uow.connection, uow.kind, wanted)]


async def test_responders_come_nearest_first(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await place(container, tenant.responder, None, None)
    far = await responder_at(container, tenant, *north_of(ALERT_SPOT, 4_000), label="far")
    near = await responder_at(container, tenant, *north_of(ALERT_SPOT, 420), label="near")
    middle = await responder_at(container, tenant, *north_of(ALERT_SPOT, 1_500), label="middle")
    found = await _nearest(container, tenant, Point(*ALERT_SPOT))
    assert found == [near.user_id, middle.user_id, far.user_id]


async def test_the_search_expands_until_it_has_enough(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    """One responder 1 km away and one 30 km away: asking for two has to look beyond the first 2 km and 10 km."""
    near = await responder_at(container, tenant, *north_of(ALERT_SPOT, 1_000), label="near")
    rural = await responder_at(container, tenant, *north_of(ALERT_SPOT, 30_000), label="rural")
    assert await _nearest(container, tenant, Point(*ALERT_SPOT), limit=2) == [near.user_id, rural.user_id]


async def test_nobody_beyond_the_radius_is_found(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await responder_at(container, tenant, *north_of(ALERT_SPOT, 60_000), label="far")
    assert await _nearest(container, tenant, Point(*ALERT_SPOT), radius_m=50_000) == []


async def test_a_responder_in_the_box_corner_but_outside_the_radius_is_not_found(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    """About 1.4 km north and 1.4 km east: inside the 2 km search box, but 2.01 km away."""
    await responder_at(container, tenant, ALERT_SPOT[0] + 0.0128, ALERT_SPOT[1] + 0.021, label="corner")
    corner = Point(ALERT_SPOT[0] + 0.0128, ALERT_SPOT[1] + 0.021)
    assert 2_000 < haversine_m(Point(*ALERT_SPOT), corner) < 2_200
    assert await _nearest(container, tenant, Point(*ALERT_SPOT), radius_m=2_000) == []


async def test_across_the_antimeridian_the_neighbour_on_the_other_side_comes_first(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    across = await responder_at(container, tenant, -17.80, -179.98, label="across")
    same_side = await responder_at(container, tenant, -17.80, 179.70, label="same-side")
    await responder_at(container, tenant, -17.80, 0.0, label="other-side-of-the-world")
    found = await _nearest(container, tenant, Point(-17.80, 179.99), radius_m=100_000)
    assert found == [across.user_id, same_side.user_id]


async def test_near_the_north_pole_every_longitude_is_searched(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    beyond_the_pole = await responder_at(container, tenant, 89.98, 180.0, label="beyond-the-pole")
    same_meridian = await responder_at(container, tenant, 89.90, 0.0, label="same-meridian")
    found = await _nearest(container, tenant, Point(89.99, 0.0), radius_m=50_000)
    assert found == [beyond_the_pole.user_id, same_meridian.user_id]


async def test_near_the_south_pole_every_longitude_is_searched(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    station = await responder_at(container, tenant, -89.99, -139.27, label="station")
    assert await _nearest(container, tenant, Point(-89.995, 44.0), radius_m=10_000) == [station.user_id]


async def test_the_database_ranking_equals_a_brute_force_sort(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, None, None)
    spread = random.Random(6)
    origin = Point(-16.5, 179.6)
    members = {}
    for n in range(25):
        lat, lon = origin.lat + spread.uniform(-1.5, 1.5), origin.lon + spread.uniform(-1.5, 1.5)
        lon = (lon + 180) % 360 - 180
        member = await responder_at(container, tenant, lat, lon, label=f"r{n}")
        members[member.user_id] = Point(lat, lon)
    found = await _nearest(container, tenant, origin, radius_m=200_000, limit=12)
    within = [uid for uid, spot in members.items() if haversine_m(origin, spot) <= 200_000]
    brute = sorted(within, key=lambda uid: (haversine_m(origin, members[uid]), uid))[:12]
    assert found == brute


async def test_only_available_responders_are_found(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100), availability=Availability.BUSY)
    off = await responder_at(container, tenant, *north_of(ALERT_SPOT, 200), label="off")
    await place(container, off, *north_of(ALERT_SPOT, 200), availability=Availability.OFF_DUTY)
    ready = await responder_at(container, tenant, *north_of(ALERT_SPOT, 300), label="ready")
    assert await _nearest(container, tenant, Point(*ALERT_SPOT)) == [ready.user_id]


async def test_responders_located_before_the_cutoff_are_not_found(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    cutoff = utcnow() - timedelta(minutes=30)
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100), located_at=cutoff - timedelta(seconds=1))
    on_the_cutoff = await responder_at(container, tenant, *north_of(ALERT_SPOT, 200), label="edge")
    await place(container, on_the_cutoff, *north_of(ALERT_SPOT, 200), located_at=cutoff)
    assert await _nearest(container, tenant, Point(*ALERT_SPOT), located_since=cutoff) == [on_the_cutoff.user_id]


async def test_responders_without_a_location_are_not_found(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await place(container, tenant.responder, None, None)
    assert await _nearest(container, tenant, Point(*ALERT_SPOT)) == []


async def test_every_required_skill_is_needed(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100), skills=["first_aid"])
    both = await responder_at(container, tenant, *north_of(ALERT_SPOT, 900), label="both", skills=["cpr", "first_aid"])
    await responder_at(container, tenant, *north_of(ALERT_SPOT, 200), label="cpr", skills=["cpr"])
    found = await _nearest(container, tenant, Point(*ALERT_SPOT), skills=("first_aid", "cpr"))
    assert found == [both.user_id]


async def test_a_team_filter_keeps_its_members_only(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100))
    member = await responder_at(container, tenant, *north_of(ALERT_SPOT, 700), label="member")
    team_id = await team_of(container, tenant, member)
    assert await _nearest(container, tenant, Point(*ALERT_SPOT), team_id=team_id) == [member.user_id]


async def test_other_organizations_and_other_roles_are_never_found(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    await place(container, tenant.responder, None, None)
    await place(container, other_tenant.responder, *north_of(ALERT_SPOT, 100))
    coordinator = await add_member(container, tenant, Role.COORDINATOR, label="with-a-profile")
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(ResponderProfile).values(
                id=new_id(),
                organization_id=tenant.organization_id,
                user_id=coordinator.user_id,
                skills=["first_aid"],
                availability=Availability.AVAILABLE,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    await place(container, coordinator, *north_of(ALERT_SPOT, 100))
    assert await _nearest(container, tenant, Point(*ALERT_SPOT)) == []


async def test_excluded_responders_are_left_out(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await place(container, tenant.responder, *north_of(ALERT_SPOT, 100))
    other = await responder_at(container, tenant, *north_of(ALERT_SPOT, 200), label="other")
    found = await _nearest(container, tenant, Point(*ALERT_SPOT), exclude=frozenset({tenant.responder.user_id}))
    assert found == [other.user_id]
