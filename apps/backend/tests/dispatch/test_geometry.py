"""Distances, the search box and the ranking, on known coordinates and on generated ones."""

from __future__ import annotations

import math
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sos.dispatch.domain import (
    ALL_LONGITUDES,
    EARTH_RADIUS_M,
    HALF_CIRCUMFERENCE_M,
    Point,
    bounding_box,
    describe_distance,
    describe_duration,
    exhausted_reason,
    haversine_m,
    next_radius,
    offer_reason,
    rank_by_distance,
    search_radii,
)

BERLIN = Point(52.5200, 13.4050)
PARIS = Point(48.8566, 2.3522)


@dataclass(frozen=True)
class Spot:
    user_id: UUID
    location: Point


latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.builds(Point, latitudes, longitudes)
radii = st.floats(min_value=1, max_value=HALF_CIRCUMFERENCE_M * 1.1, allow_nan=False)


def test_berlin_to_paris_is_878_km() -> None:
    assert haversine_m(BERLIN, PARIS) == pytest.approx(877_500, rel=0.002)


def test_one_degree_of_latitude_is_111_km() -> None:
    assert haversine_m(Point(0, 0), Point(1, 0)) == pytest.approx(111_195, rel=1e-4)


def test_the_distance_across_the_antimeridian_is_short() -> None:
    assert haversine_m(Point(0, 179.9), Point(0, -179.9)) == pytest.approx(22_239, rel=1e-3)


def test_points_on_a_pole_are_together_whatever_their_longitude() -> None:
    assert haversine_m(Point(90, 0), Point(90, 123)) == pytest.approx(0, abs=1e-6)


def test_antipodes_are_half_the_circumference_apart() -> None:
    assert haversine_m(Point(10, 20), Point(-10, -160)) == pytest.approx(math.pi * EARTH_RADIUS_M)


def test_a_box_in_mid_latitudes_has_one_longitude_range() -> None:
    box = bounding_box(BERLIN, 10_000)
    assert box.min_lat == pytest.approx(52.4301, abs=1e-3)
    assert box.max_lat == pytest.approx(52.6099, abs=1e-3)
    ((lo, hi),) = box.lon_ranges
    # A degree of longitude is shorter up north: 10 km is about 0.148° at 52.5°N.
    assert lo == pytest.approx(13.2573, abs=1e-3)
    assert hi == pytest.approx(13.5527, abs=1e-3)


def test_a_box_across_the_antimeridian_is_split_in_two() -> None:
    box = bounding_box(Point(-17.7, 179.95), 20_000)
    assert len(box.lon_ranges) == 2
    (east_lo, east_hi), (west_lo, west_hi) = box.lon_ranges
    assert east_hi == 180.0
    assert west_lo == -180.0
    assert 179.7 < east_lo < 179.95
    assert -180 < west_hi < -179.7
    assert box.contains(Point(-17.7, -179.9))
    assert not box.contains(Point(-17.7, 0.0))


def test_a_box_west_of_the_antimeridian_wraps_to_the_east() -> None:
    box = bounding_box(Point(65.0, -179.99), 5_000)
    assert box.contains(Point(65.0, 179.98))


def test_a_box_around_the_north_pole_holds_every_longitude() -> None:
    box = bounding_box(Point(89.95, 10), 20_000)
    assert box.lon_ranges == ALL_LONGITUDES
    assert box.max_lat == 90.0
    assert box.contains(Point(89.9, -170))


def test_a_box_around_the_south_pole_reaches_down_to_it() -> None:
    box = bounding_box(Point(-90.0, 0), 1_000)
    assert (box.min_lat, box.lon_ranges) == (-90.0, ALL_LONGITUDES)


def test_a_box_wider_than_the_earth_is_the_whole_earth() -> None:
    box = bounding_box(BERLIN, HALF_CIRCUMFERENCE_M)
    assert (box.min_lat, box.max_lat, box.lon_ranges) == (-90.0, 90.0, ALL_LONGITUDES)


@settings(max_examples=400, deadline=None)
@given(center=points, other=points, radius=radii)
def test_every_point_within_the_radius_is_inside_the_box(center: Point, other: Point, radius: float) -> None:
    if haversine_m(center, other) <= radius:
        assert bounding_box(center, radius).contains(other)


@settings(max_examples=300, deadline=None)
@given(
    center=points,
    offsets=st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=30),
    radius=st.floats(min_value=100, max_value=300_000),
)
def test_points_near_the_center_inside_the_radius_are_inside_the_box(
    center: Point, offsets: list[tuple[float, float]], radius: float
) -> None:
    """Near points exercise the box's edges more than uniform ones (which are mostly far away)."""
    box = bounding_box(center, radius)
    for dlat, dlon in offsets:
        lat = max(-90.0, min(90.0, center.lat + dlat))
        lon = (center.lon + dlon + 180) % 360 - 180
        point = Point(lat, lon)
        if haversine_m(center, point) <= radius:
            assert box.contains(point)


@settings(max_examples=300, deadline=None)
@given(origin=points, spots=st.lists(points, max_size=40), limit=st.integers(min_value=1, max_value=50))
def test_the_ranking_is_a_brute_force_haversine_sort(origin: Point, spots: list[Point], limit: int) -> None:
    items = [Spot(uuid4(), spot) for spot in spots]
    ranked = rank_by_distance(origin, items, limit)
    brute = sorted(items, key=lambda item: (haversine_m(origin, item.location), item.user_id))[:limit]
    assert [item for _, item in ranked] == brute


def test_ranking_near_the_antimeridian_prefers_the_neighbour_across_it() -> None:
    fiji = Point(-17.8, 179.99)
    across = Spot(uuid4(), Point(-17.8, -179.98))
    same_side = Spot(uuid4(), Point(-17.8, 179.5))
    ranked = rank_by_distance(fiji, [same_side, across], 2)
    assert [item for _, item in ranked] == [across, same_side]


def test_ranking_near_the_pole_measures_across_it() -> None:
    station = Point(89.99, 0)
    opposite = Spot(uuid4(), Point(89.98, 180))
    same_meridian_further = Spot(uuid4(), Point(89.9, 0))
    ranked = rank_by_distance(station, [same_meridian_further, opposite], 2)
    assert [item for _, item in ranked] == [opposite, same_meridian_further]
    assert ranked[0][0] == pytest.approx(3_336, rel=1e-2)


def test_the_search_starts_small_and_grows_fivefold_while_it_finds_nobody() -> None:
    assert search_radii(50_000, lambda _radius: 0, 10) == [500, 2_500, 12_500, 50_000]
    assert search_radii(400, lambda _radius: 0, 10) == [400]
    assert search_radii(10 * HALF_CIRCUMFERENCE_M, lambda _radius: 0, 10)[-1] == HALF_CIRCUMFERENCE_M


def test_the_search_stops_once_enough_are_inside() -> None:
    assert search_radii(50_000, lambda _radius: 10, 10) == [500]


def test_the_search_grows_by_the_density_it_found() -> None:
    # 4 of 10 within 2 km: the area needs 2.5 times more, so the radius grows by 1.25 * sqrt(2.5).
    assert next_radius(2_000, 4, 10, 50_000) == pytest.approx(2_000 * 1.25 * math.sqrt(2.5))
    # 9 of 10: still at least 1.5 times; 1 of 50: at most 5 times.
    assert next_radius(2_000, 9, 10, 50_000) == 3_000
    assert next_radius(2_000, 1, 50, 50_000) == 10_000
    assert next_radius(40_000, 1, 10, 50_000) == 50_000


@pytest.mark.parametrize(
    ("metres", "text"), [(0, "0 m"), (420.4, "420 m"), (999.4, "999 m"), (1_234, "1.2 km"), (38_400, "38 km")]
)
def test_distances_read_naturally(metres: float, text: str) -> None:
    assert describe_distance(metres) == text


@pytest.mark.parametrize(("seconds", "text"), [(45, "45 s"), (240, "4 min"), (3_900, "1 h 05 min")])
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert describe_duration(seconds) == text


def test_the_reason_names_distance_and_skill() -> None:
    reason = offer_reason(rank=1, distance_m=420, eta_seconds=None, skills=["first_aid"])
    assert reason == "nearest available: 420 m, skill first_aid"


def test_a_later_offer_says_it_is_the_next_nearest_with_every_skill() -> None:
    reason = offer_reason(rank=3, distance_m=2_500, eta_seconds=None, skills=["first_aid", "cpr"])
    assert reason == "next nearest available (#3): 2.5 km, skills first_aid, cpr"


def test_a_road_eta_reason_leads_with_the_time() -> None:
    reason = offer_reason(rank=1, distance_m=1_200, eta_seconds=240, skills=[])
    assert reason == "fastest available by road: 4 min (1.2 km)"


def test_a_fallback_to_distance_is_said_in_the_reason() -> None:
    reason = offer_reason(
        rank=1,
        distance_m=420,
        eta_seconds=None,
        skills=[],
        routing_note="routing timed out after 2 s, ranked by distance",
    )
    assert reason == "nearest available: 420 m; routing timed out after 2 s, ranked by distance"


def test_a_coordinators_choice_says_so() -> None:
    assert (
        offer_reason(rank=None, distance_m=None, eta_seconds=None, skills=[])
        == "chosen by a coordinator: location unknown"
    )


def test_exhaustion_says_why() -> None:
    assert (
        exhausted_reason(offers_made=3, max_offers=3, radius_km=50, skills=[]) == "nobody accepted the 3 offers allowed"
    )
    assert (
        exhausted_reason(offers_made=1, max_offers=10, radius_km=50, skills=["cpr"])
        == "no further available responder with cpr within 50 km after 1 offer"
    )
    assert exhausted_reason(offers_made=0, max_offers=10, radius_km=2, skills=[]) == (
        "no further available responder within 2.0 km"
    )
