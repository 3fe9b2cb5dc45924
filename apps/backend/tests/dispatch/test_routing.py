"""Ranking by road ETA from an OSRM-compatible table service, and falling back to distance when it fails.

The routing service is a paid or self-hosted server that cannot run here; ``FakeOsrm`` answers on loopback exactly
as OSRM's table service does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.dispatch.dependencies import ranker as ranker_dependency
from sos.dispatch.domain import Point
from sos.dispatch.ranker import Ranker
from sos.dispatch.routing import Routing, RoutingUnavailable
from sos.dispatch.scheduler import DispatchDueWork
from tests.dispatch.osrm_server import Coordinate, Durations, FakeOsrm
from tests.dispatch.support import ALERT_SPOT, alert_url, north_of, offers_of, place, responder_at, sos_at, start_auto
from tests.factories import Member, Tenant

ALERT = Point(*ALERT_SPOT)


@pytest.fixture
async def osrm() -> AsyncIterator[FakeOsrm]:
    async with FakeOsrm() as server:
        yield server


ROUTING_TIMEOUT_SECONDS = 10.0
"""Ample for an answer the test expects, on however busy a machine."""


@contextmanager
def _ranking(app: FastAPI, osrm: FakeOsrm, timeout_seconds: float) -> Iterator[Ranker]:
    ranker = Ranker(Routing(osrm.url, timeout_seconds=timeout_seconds))
    app.dependency_overrides[ranker_dependency] = lambda: ranker
    try:
        yield ranker
    finally:
        app.dependency_overrides.pop(ranker_dependency, None)


@pytest.fixture
def routed(app: FastAPI, osrm: FakeOsrm) -> Iterator[Ranker]:
    """The API ranks by road ETA from the fake server while the test runs."""
    with _ranking(app, osrm, ROUTING_TIMEOUT_SECONDS) as ranker:
        yield ranker


@pytest.fixture
def impatiently_routed(app: FastAPI, osrm: FakeOsrm) -> Iterator[Ranker]:
    """As ``routed``, but giving up on the routing service after half a second."""
    with _ranking(app, osrm, 0.5) as ranker:
        yield ranker


def _by_latitude(etas: Mapping[float, float | None]) -> Durations:
    """Durations keyed by the source's latitude (rounded as OSRM gets it)."""

    def durations(source: Coordinate, _destination: Coordinate) -> float | None:
        return etas[round(source[1], 4)]

    return durations


async def test_the_table_request_asks_each_responder_to_the_alert(osrm: FakeOsrm) -> None:
    routing = Routing(osrm.url, timeout_seconds=ROUTING_TIMEOUT_SECONDS)
    osrm.durations = lambda source, _destination: 100.0 if source[1] > 52.53 else 50.0
    durations = await routing.durations_to(ALERT, [Point(52.54, 13.40), Point(52.52, 13.41)])
    assert durations == [100.0, 50.0]
    [request] = osrm.requests
    assert request.coordinates == [(13.405, 52.52), (13.40, 52.54), (13.41, 52.52)]
    assert (request.sources, request.destinations, request.annotations) == ([1, 2], [0], "duration")
    assert "sources=1;2" in request.raw_query


async def test_a_responder_without_a_road_has_no_duration(osrm: FakeOsrm) -> None:
    osrm.durations = lambda _source, _destination: None
    assert await Routing(osrm.url, ROUTING_TIMEOUT_SECONDS).durations_to(ALERT, [Point(52.5, 13.4)]) == [None]


async def test_a_slow_routing_service_times_out(osrm: FakeOsrm) -> None:
    osrm.delay = 1.0
    with pytest.raises(RoutingUnavailable, match=r"timed out after 0\.2 s"):
        await Routing(osrm.url, 0.2).durations_to(ALERT, [Point(52.5, 13.4)])


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        ((500, "upstream down"), "routing answered HTTP 500"),
        ((400, {"code": "InvalidQuery", "message": "Query string malformed"}), "routing answered HTTP 400"),
        ((200, "<html>not json</html>"), "routing answer was not JSON"),
        ((200, {"code": "NoTable", "message": "no table"}), "routing answered NoTable"),
        ((200, {"code": "Ok", "durations": [[1.0], [2.0]]}), "routing answer did not match the request"),
        ((200, {"code": "Ok", "durations": [["soon"]]}), "routing answer did not match the request"),
    ],
)
async def test_an_unusable_answer_is_reported(
    osrm: FakeOsrm, failure: tuple[int, dict[str, object] | str], reason: str
) -> None:
    osrm.failure = failure
    with pytest.raises(RoutingUnavailable) as raised:
        await Routing(osrm.url, ROUTING_TIMEOUT_SECONDS).durations_to(ALERT, [Point(52.5, 13.4)])
    assert raised.value.reason == reason


async def test_an_unreachable_routing_service_is_reported(osrm: FakeOsrm) -> None:
    url = osrm.url
    await osrm.stop()
    with pytest.raises(RoutingUnavailable, match="routing unreachable"):
        await Routing(url, ROUTING_TIMEOUT_SECONDS).durations_to(ALERT, [Point(52.5, 13.4)])


async def _two_responders(container: Container, tenant: Tenant) -> tuple[Member, Member]:
    """One 500 m away across the river (10 minutes by road), one 2 km away on the same side (3 minutes)."""
    await place(container, tenant.responder, None, None)
    across = await responder_at(container, tenant, *north_of(ALERT_SPOT, 500), label="across")
    straight = await responder_at(container, tenant, *north_of(ALERT_SPOT, 2_000), label="straight")
    return across, straight


def _river(osrm: FakeOsrm) -> None:
    etas = {round(north_of(ALERT_SPOT, 500)[0], 4): 600.0, round(north_of(ALERT_SPOT, 2_000)[0], 4): 180.0}
    osrm.durations = _by_latitude(etas)


async def test_candidates_are_ranked_by_road_eta(
    client: AsyncClient, container: Container, tenant: Tenant, osrm: FakeOsrm, routed: Ranker
) -> None:
    across, straight = await _two_responders(container, tenant)
    _river(osrm)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    body = (await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)).json()
    assert body["ranked_by"] == "eta"
    assert body["routing_note"] is None
    first, second = body["items"]
    assert first["responder"]["user_id"] == str(straight.user_id)
    assert first["eta_seconds"] == 180.0
    assert first["reason"] == "fastest available by road: 3 min (2.0 km)"
    assert second["responder"]["user_id"] == str(across.user_id)


async def test_unroutable_responders_go_last(
    client: AsyncClient, container: Container, tenant: Tenant, osrm: FakeOsrm, routed: Ranker
) -> None:
    across, straight = await _two_responders(container, tenant)
    etas = {round(north_of(ALERT_SPOT, 500)[0], 4): None, round(north_of(ALERT_SPOT, 2_000)[0], 4): 900.0}
    osrm.durations = _by_latitude(etas)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    items = (await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)).json()["items"]
    assert [item["responder"]["user_id"] for item in items] == [str(straight.user_id), str(across.user_id)]
    assert items[1]["eta_seconds"] is None


async def test_a_routing_timeout_falls_back_to_distance_and_says_so(
    client: AsyncClient, container: Container, tenant: Tenant, osrm: FakeOsrm, impatiently_routed: Ranker
) -> None:
    across, _ = await _two_responders(container, tenant)
    osrm.delay = 2.0
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    body = (await client.get(alert_url(alert_id, "/candidates"), headers=tenant.coordinator.headers)).json()
    assert body["ranked_by"] == "distance"
    assert body["routing_note"] == "routing timed out after 0.5 s, ranked by distance"
    first = body["items"][0]
    assert first["responder"]["user_id"] == str(across.user_id)
    assert first["reason"] == "nearest available: 500 m; routing timed out after 0.5 s, ranked by distance"


async def test_the_auto_dispatch_offers_the_fastest_first(
    client: AsyncClient, container: Container, tenant: Tenant, osrm: FakeOsrm, routed: Ranker
) -> None:
    across, straight = await _two_responders(container, tenant)
    _river(osrm)
    alert_id = await sos_at(client, tenant, *ALERT_SPOT)
    chain = await start_auto(client, tenant, alert_id)
    assert chain["current_offer"]["responder_id"] == str(straight.user_id)
    assert chain["current_offer"]["eta_seconds"] == 180.0
    # The scheduler, also routed, moves on to the slower one when the first offer expires.
    await container.relay.drain()
    await DispatchDueWork(container.uow_factory, routed).run_due(utcnow() + timedelta(seconds=61), 10)
    assert [row.responder_id for row in await offers_of(container, alert_id)] == [straight.user_id, across.user_id]
