"""Dispatch rules free of I/O: great-circle distance, the search box around an alert, the expanding search, the
ranking and the reasons written on the timeline.

Distances are haversine distances on a sphere of the Earth's mean radius; the error against the WGS 84 ellipsoid
stays under 0.5 %, far below what a phone's fix or a road network changes. The database narrows the search with a
latitude/longitude box on indexed columns; the exact distance is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar
from uuid import UUID

EARTH_RADIUS_M = 6_371_008.8
"""The mean radius of the Earth (IUGG)."""
HALF_CIRCUMFERENCE_M = math.pi * EARTH_RADIUS_M
"""No two points are further apart than this."""

FIRST_SEARCH_RADIUS_M = 500.0
"""The expanding search starts this small: in a dense city, enough responders are this close."""
MIN_GROWTH, MAX_GROWTH = 1.5, 5.0

MIN_OFFER_TIMEOUT_SECONDS = 10
MAX_OFFER_TIMEOUT_SECONDS = 600
DEFAULT_OFFER_TIMEOUT_SECONDS = 60
MIN_MAX_OFFERS = 1
MAX_MAX_OFFERS = 50
DEFAULT_MAX_OFFERS = 10
MAX_RADIUS_KM = 20_000.0
DEFAULT_RADIUS_KM = 50.0
MAX_CANDIDATES = 50
ETA_POOL = 25
"""How many of the nearest responders are re-ranked by road ETA."""


class DispatchMode(StrEnum):
    SUGGEST = "suggest"
    """The coordinator sees ranked candidates and chooses whom to offer the alert."""
    AUTO = "auto"
    """Assigning the team to an alert offers it to the nearest member, then the next-nearest, until one accepts."""


class OfferStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class OfferMode(StrEnum):
    MANUAL = "manual"
    """A coordinator chose the responder."""
    AUTO = "auto"
    """An auto-dispatch chain chose the nearest responder not yet tried."""


class ChainStatus(StrEnum):
    ACTIVE = "active"
    ACCEPTED = "accepted"
    EXHAUSTED = "exhausted"
    STOPPED = "stopped"


class RankedBy(StrEnum):
    DISTANCE = "distance"
    ETA = "eta"


class EngagementSource(StrEnum):
    OFFER = "offer"
    """A pending or accepted offer holds the responder."""
    ESCALATION = "escalation"
    """A ``nearest_responders`` escalation tier paged and assigned the responder."""


class WithdrawalReason(StrEnum):
    STOPPED = "stopped"
    """A coordinator stopped the auto-dispatch."""
    ACKNOWLEDGED = "acknowledged"
    """Someone else acknowledged the alert."""
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float


def haversine_m(a: Point, b: Point) -> float:
    """The great-circle distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(b.lon - a.lon) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


ALL_LONGITUDES: tuple[tuple[float, float], ...] = ((-180.0, 180.0),)


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """Latitudes ``min_lat..max_lat`` and one or two longitude ranges (two when the box crosses the antimeridian)."""

    min_lat: float
    max_lat: float
    lon_ranges: tuple[tuple[float, float], ...]

    @property
    def all_longitudes(self) -> bool:
        return self.lon_ranges == ALL_LONGITUDES

    def contains(self, point: Point) -> bool:
        return self.min_lat <= point.lat <= self.max_lat and any(lo <= point.lon <= hi for lo, hi in self.lon_ranges)


_PAD = 1e-9
"""Radians added to the angular radius so a point exactly on the circle never falls out to rounding."""


def bounding_box(center: Point, radius_m: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within ``radius_m`` of ``center``.

    A circle around a pole holds every longitude, and its latitudes run to that pole. Elsewhere the longitude half-width
    is ``asin(sin δ / cos φ)`` (δ the angular radius, φ the latitude), which grows towards the poles; a box reaching
    past ±180° is split into two ranges, one on each side of the antimeridian.
    """
    delta = radius_m / EARTH_RADIUS_M + _PAD
    if delta >= math.pi:
        return BoundingBox(-90.0, 90.0, ALL_LONGITUDES)
    phi = math.radians(center.lat)
    min_phi, max_phi = phi - delta, phi + delta
    if max_phi >= math.pi / 2 or min_phi <= -math.pi / 2:
        return BoundingBox(
            math.degrees(max(min_phi, -math.pi / 2)), math.degrees(min(max_phi, math.pi / 2)), ALL_LONGITUDES
        )
    half_width = math.degrees(math.asin(min(1.0, math.sin(delta) / math.cos(phi))))
    lo, hi = center.lon - half_width, center.lon + half_width
    if hi - lo >= 360.0:
        ranges = ALL_LONGITUDES
    elif lo <= -180.0:
        ranges = ((lo + 360.0, 180.0), (-180.0, hi))
    elif hi >= 180.0:
        ranges = ((lo, 180.0), (-180.0, hi - 360.0))
    else:
        ranges = ((lo, hi),)
    return BoundingBox(math.degrees(min_phi), math.degrees(max_phi), ranges)


def first_radius(max_radius_m: float) -> float:
    return min(FIRST_SEARCH_RADIUS_M, max_radius_m, HALF_CIRCUMFERENCE_M)


def next_radius(radius_m: float, found: int, wanted: int, max_radius_m: float) -> float:
    """The next radius of the expanding search, after ``found`` of the ``wanted`` responders were within ``radius_m``.

    The density seen so far says how much further to look: the area grows by ``wanted / found`` (with a quarter
    more radius to spare), the radius by at least 1.5 and at most 5 times, and by 5 when nobody was found yet. So a
    rural alert whose nearest responders are 8 km away takes three or four small queries instead of one box the size
    of a region.
    """
    growth = MAX_GROWTH if found == 0 else min(MAX_GROWTH, max(MIN_GROWTH, 1.25 * math.sqrt(wanted / found)))
    return min(radius_m * growth, max_radius_m, HALF_CIRCUMFERENCE_M)


def search_radii(max_radius_m: float, found_at: Callable[[float], int], wanted: int) -> list[float]:
    """The radii an expanding search tries when ``found_at(radius)`` responders are within each; for tests and the
    benchmark's report."""
    radii = [first_radius(max_radius_m)]
    limit = min(max_radius_m, HALF_CIRCUMFERENCE_M)
    while radii[-1] < limit and (found := found_at(radii[-1])) < wanted:
        radii.append(next_radius(radii[-1], found, wanted, max_radius_m))
    return radii


class Located(Protocol):
    @property
    def user_id(self) -> UUID: ...

    @property
    def location(self) -> Point: ...


L = TypeVar("L", bound=Located)


def rank_by_distance(origin: Point, items: Iterable[L], limit: int) -> list[tuple[float, L]]:
    """The ``limit`` items nearest to ``origin`` with their distances; ties go to the smaller user id."""
    measured = [(haversine_m(origin, item.location), item) for item in items]
    measured.sort(key=lambda pair: (pair[0], pair[1].user_id))
    return measured[:limit]


def eta_order(eta_seconds: float | None, distance_m: float, user_id: UUID) -> tuple[bool, float, float, UUID]:
    """Sort key by road ETA; responders the road network cannot reach go last, by distance."""
    return (eta_seconds is None, eta_seconds or 0.0, distance_m, user_id)


def describe_distance(metres: float) -> str:
    """``420 m``, ``1.2 km``, ``38 km``."""
    if metres < 1_000:
        return f"{round(metres)} m"
    if metres < 10_000:
        return f"{metres / 1_000:.1f} km"
    return f"{round(metres / 1_000)} km"


def describe_duration(seconds: float) -> str:
    """``45 s``, ``4 min``, ``1 h 05 min``."""
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _skills_text(skills: Sequence[str]) -> str:
    if not skills:
        return ""
    return f", skill{'s' if len(skills) > 1 else ''} {', '.join(skills)}"


def offer_reason(
    *,
    rank: int | None,
    distance_m: float | None,
    eta_seconds: float | None,
    skills: Sequence[str],
    routing_note: str | None = None,
) -> str:
    """Why this responder: ``nearest available: 420 m, skill first_aid``; with a road ETA,
    ``fastest available by road: 4 min (1.2 km), skill first_aid``; ``rank`` None means a coordinator chose them."""
    if rank is None:
        where = describe_distance(distance_m) + " away" if distance_m is not None else "location unknown"
        text = f"chosen by a coordinator: {where}"
    elif eta_seconds is not None:
        lead = "fastest available by road" if rank == 1 else f"next fastest available by road (#{rank})"
        distance = f" ({describe_distance(distance_m)})" if distance_m is not None else ""
        text = f"{lead}: {describe_duration(eta_seconds)}{distance}"
    else:
        lead = "nearest available" if rank == 1 else f"next nearest available (#{rank})"
        text = f"{lead}: {describe_distance(distance_m or 0.0)}"
    text += _skills_text(skills)
    if routing_note:
        text += f"; {routing_note}"
    return text


def exhausted_reason(*, offers_made: int, max_offers: int, radius_km: float, skills: Sequence[str]) -> str:
    """Why an auto-dispatch ended without anyone accepting."""
    if offers_made >= max_offers:
        return f"nobody accepted the {offers_made} offer{'s' if offers_made != 1 else ''} allowed"
    who = "no further available responder" + (f" with {', '.join(skills)}" if skills else "")
    return f"{who} within {describe_distance(radius_km * 1_000)}" + (
        f" after {offers_made} offer{'s' if offers_made != 1 else ''}" if offers_made else ""
    )
