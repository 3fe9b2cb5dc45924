"""The nearest-responder search: available responders of one organization around a point, filtered by skills and
team, leaving out those engaged on another alert.

The database narrows the search to a latitude/longitude box on indexed columns
(``ix_responder_profiles_dispatch``: organization, availability, latitude, longitude), the same on SQLite,
PostgreSQL and MariaDB. The box starts at 500 m and grows (by how many responders it found so far, 1.5 to 5 times
per step) up to the search radius until it holds enough responders, so a dense city reads a few dozen rows and a
rural alert a few more small queries. Exact great-circle distances are computed here, and optionally re-ranked by
road ETA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.alerts.domain import OPEN_STATUSES
from sos.alerts.models import Alert, AlertAssignment
from sos.core.config import DatabaseKind
from sos.dispatch.domain import (
    ETA_POOL,
    HALF_CIRCUMFERENCE_M,
    BoundingBox,
    Point,
    RankedBy,
    bounding_box,
    eta_order,
    first_radius,
    haversine_m,
    next_radius,
)
from sos.dispatch.models import ResponderEngagement
from sos.dispatch.routing import Routing, RoutingUnavailable
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.responders.service import has_skill, skill_parameter, skill_value
from sos.teams.models import TeamMember
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership


@dataclass(frozen=True, slots=True)
class Search:
    organization_id: UUID
    origin: Point
    radius_m: float
    limit: int
    skills: tuple[str, ...] = ()
    team_id: UUID | None = None
    alert_id: UUID | None = None
    """Responders engaged on this alert may be found (when ``include_engaged_here``); on any other, never."""
    include_engaged_here: bool = True
    exclude: frozenset[UUID] = field(default_factory=frozenset)
    located_since: datetime | None = None
    """Responders last located before this are left out: their position no longer says where they are."""


@dataclass(frozen=True, slots=True)
class Candidate:
    user_id: UUID
    skills: list[str]
    availability: Availability
    location: Point
    accuracy_m: float | None
    located_at: datetime
    distance_m: float
    engaged_alert_id: UUID | None
    eta_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Ranking:
    candidates: list[Candidate]
    ranked_by: RankedBy
    routing_note: str | None = None
    """Set when a routing service is configured but gave no answer, so the ranking fell back to distance."""


@dataclass(frozen=True, slots=True)
class _Shape:
    """What decides the SQL text of a box query; the values are bound parameters, so each shape is built once and
    its compiled form is cached by SQLAlchemy and prepared once per connection."""

    kind: DatabaseKind
    engaged_here: bool
    skills: int
    team: bool
    exclude: bool
    other_than_alert: bool
    fresh: bool
    lon_ranges: int
    """0 when the box holds every longitude."""


@cache
def _statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    engagement = ResponderEngagement
    free: ColumnElement[bool] = engagement.responder_id.is_(None)
    if shape.engaged_here:
        free = or_(free, engagement.alert_id == bindparam("alert_id"))
    query = (
        select(
            ResponderProfile.user_id,
            ResponderProfile.skills,
            ResponderProfile.availability,
            ResponderProfile.last_lat,
            ResponderProfile.last_lon,
            ResponderProfile.last_accuracy_m,
            ResponderProfile.last_located_at,
            engagement.alert_id.label("engaged_alert_id"),
        )
        .join(
            Membership,
            and_(
                Membership.organization_id == ResponderProfile.organization_id,
                Membership.user_id == ResponderProfile.user_id,
            ),
        )
        .outerjoin(engagement, engagement.responder_id == ResponderProfile.user_id)
        .where(
            ResponderProfile.organization_id == bindparam("organization_id"),
            ResponderProfile.availability == bindparam("availability"),
            ResponderProfile.last_lat.between(bindparam("min_lat"), bindparam("max_lat")),
            Membership.role == Role.RESPONDER,
            Membership.status == MembershipStatus.ACTIVE,
            free,
            *(has_skill(shape.kind, skill_parameter(shape.kind, f"skill_{n}")) for n in range(shape.skills)),
        )
    )
    if shape.lon_ranges:
        query = query.where(
            or_(
                *(
                    ResponderProfile.last_lon.between(bindparam(f"min_lon_{n}"), bindparam(f"max_lon_{n}"))
                    for n in range(shape.lon_ranges)
                )
            )
        )
    if shape.team:
        query = query.where(
            ResponderProfile.user_id.in_(select(TeamMember.user_id).where(TeamMember.team_id == bindparam("team_id")))
        )
    if shape.exclude:
        query = query.where(ResponderProfile.user_id.notin_(bindparam("exclude", expanding=True)))
    if shape.fresh:
        query = query.where(
            ResponderProfile.last_located_at >= bindparam("located_since", type_=ResponderProfile.last_located_at.type)
        )
    return query.where(~_working_another_open_alert(shape))


def _working_another_open_alert(shape: _Shape) -> ColumnElement[bool]:
    """Assigned (by hand, or by an escalation) to an open alert other than the one being dispatched: such a responder
    is on a job even if they never set themselves busy, and is not offered a second one."""
    condition = and_(
        AlertAssignment.responder_id == ResponderProfile.user_id,
        Alert.status.in_(sorted(OPEN_STATUSES)),
    )
    if shape.other_than_alert:
        condition = and_(condition, Alert.id != bindparam("working_alert_id"))
    return exists(
        select(literal(1))
        .select_from(AlertAssignment)
        .join(Alert, Alert.id == AlertAssignment.alert_id)
        .where(condition)
    )


def _parameters(kind: DatabaseKind, search: Search, box: BoundingBox) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organization_id": search.organization_id,
        "availability": Availability.AVAILABLE,
        "min_lat": box.min_lat,
        "max_lat": box.max_lat,
    }
    if not box.all_longitudes:
        for n, (lo, hi) in enumerate(box.lon_ranges):
            values |= {f"min_lon_{n}": lo, f"max_lon_{n}": hi}
    for n, skill in enumerate(search.skills):
        values[f"skill_{n}"] = skill_value(kind, skill)
    if search.alert_id is not None and search.include_engaged_here:
        values["alert_id"] = search.alert_id
    if search.alert_id is not None:
        values["working_alert_id"] = search.alert_id
    if search.team_id is not None:
        values["team_id"] = search.team_id
    if search.exclude:
        values["exclude"] = sorted(search.exclude)
    if search.located_since is not None:
        values["located_since"] = search.located_since
    return values


def _shape(kind: DatabaseKind, search: Search, box: BoundingBox) -> _Shape:
    return _Shape(
        kind=kind,
        engaged_here=search.alert_id is not None and search.include_engaged_here,
        skills=len(search.skills),
        team=search.team_id is not None,
        exclude=bool(search.exclude),
        other_than_alert=search.alert_id is not None,
        fresh=search.located_since is not None,
        lon_ranges=0 if box.all_longitudes else len(box.lon_ranges),
    )


def box_query(kind: DatabaseKind, search: Search, box: BoundingBox) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    """The statement and parameters that find the matching responders inside ``box`` (one step of the search)."""
    return _statement(_shape(kind, search, box)), _parameters(kind, search, box)


def _candidate(row: Any, origin: Point) -> Candidate:
    location = Point(row.last_lat, row.last_lon)
    return Candidate(
        user_id=row.user_id,
        skills=list(row.skills or []),
        availability=Availability(row.availability),
        location=location,
        accuracy_m=row.last_accuracy_m,
        located_at=row.last_located_at,
        distance_m=haversine_m(origin, location),
        engaged_alert_id=row.engaged_alert_id,
    )


async def nearest(connection: AsyncConnection, kind: DatabaseKind, search: Search) -> list[Candidate]:
    """The ``limit`` nearest matching responders within ``radius_m``, nearest first (ties by user id).

    Each step of the expanding search keeps only the responders within its radius: anyone outside the box is further
    away than that, so once ``limit`` responders are inside the radius, they are the nearest.
    """
    radius = first_radius(search.radius_m)
    while True:
        statement, parameters = box_query(kind, search, bounding_box(search.origin, radius))
        rows = (await connection.execute(statement, parameters)).all()
        found = [c for c in (_candidate(row, search.origin) for row in rows) if c.distance_m <= radius]
        if len(found) >= search.limit or radius >= min(search.radius_m, HALF_CIRCUMFERENCE_M):
            break
        radius = next_radius(radius, len(found), search.limit, search.radius_m)
    found.sort(key=lambda c: (c.distance_m, c.user_id))
    return found[: search.limit]


async def by_eta(search: Search, pool: list[Candidate], routing: Routing | None) -> Ranking:
    """``pool`` (the nearest responders, nearest first) re-ranked by road ETA when a routing service is configured;
    by distance, with a note saying why, when it gives no answer."""
    if routing is None or not pool:
        return Ranking(pool[: search.limit], RankedBy.DISTANCE)
    try:
        durations = await routing.durations_to(search.origin, [c.location for c in pool])
    except RoutingUnavailable as exc:
        return Ranking(pool[: search.limit], RankedBy.DISTANCE, f"{exc.reason}, ranked by distance")
    timed = [replace(c, eta_seconds=eta) for c, eta in zip(pool, durations, strict=True)]
    timed.sort(key=lambda c: eta_order(c.eta_seconds, c.distance_m, c.user_id))
    return Ranking(timed[: search.limit], RankedBy.ETA)


def pool_search(search: Search, routing: Routing | None) -> Search:
    """The search whose results :func:`by_eta` re-ranks: the nearest :data:`ETA_POOL` when routing is on."""
    return replace(search, limit=max(search.limit, ETA_POOL)) if routing is not None else search


async def rank(connection: AsyncConnection, kind: DatabaseKind, search: Search, routing: Routing | None) -> Ranking:
    """The nearest responders; with a routing service, the nearest :data:`ETA_POOL` re-ranked by road ETA."""
    pool = await nearest(connection, kind, pool_search(search, routing))
    return await by_eta(search, pool, routing)


def matched_skills(candidate: Candidate, wanted: Sequence[str]) -> list[str]:
    return [skill for skill in wanted if skill in candidate.skills]
