"""``python -m bench.dispatch_query``: how long the nearest-responder query takes with 100,000 responders on PostgreSQL.

A throwaway PostgreSQL database (on 127.0.0.1) gets one organization with ``--responders`` responders, bulk-inserted:
most packed around a few cities (a normal spread of ``--city-sigma-km``), the rest scattered over the countryside
(uniform over Germany's bounding box). 60 % are available, 25 % busy and 15 % off duty; a third have the skill
``first_aid``. A ``--stale-share`` of them last reported a position hours ago (a phone that stopped sending), the rest
within the last 25 minutes. Then the query dispatch runs for a ranking (``sos.dispatch.search.nearest`` with the
freshness cutoff of ``sos.dispatch.ranker.Ranker``: the expanding bounding-box search on
``ix_responder_profiles_dispatch``, exact distances in Python) is timed ``--queries`` times
from random points: 70 % in the cities, 30 % in the countryside, half of them also requiring ``first_aid``. Each
timing covers the whole call as dispatch makes it (every box query of the expanding search and the ranking), on a
pooled connection.

The run is bounded: seeding and querying stop at ``--max-seconds``. ``--no-doc`` leaves docs/benchmarks.md alone.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.events_common import DOC, machine, percentile, throwaway_database
from sos.core.config import DatabaseKind, Settings
from sos.core.db import create_engine, utcnow
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.dispatch import search
from sos.dispatch.domain import DEFAULT_RADIUS_KM, Point, bounding_box
from sos.dispatch.ranker import Ranker
from sos.organizations.models import Organization
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

DOC_BEGIN = "<!-- dispatch-bench:start -->"
DOC_END = "<!-- dispatch-bench:end -->"
BATCH = 5_000
CITIES = (
    ("Berlin", 52.520, 13.405),
    ("Hamburg", 53.551, 9.994),
    ("Munich", 48.137, 11.575),
    ("Cologne", 50.938, 6.960),
    ("Frankfurt", 50.110, 8.682),
)
COUNTRY = ((47.3, 55.0), (5.9, 15.0))
"""Germany's bounding box: latitudes, longitudes."""
AVAILABILITY = ((Availability.AVAILABLE, 0.60), (Availability.BUSY, 0.25), (Availability.OFF_DUTY, 0.15))


@dataclass(slots=True)
class Timings:
    label: str
    samples: list[float] = field(default_factory=list)
    found: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)

    def row(self) -> str:
        ordered = sorted(self.samples)
        p50, p95, p99 = (percentile(ordered, fraction) for fraction in (0.50, 0.95, 0.99))
        found = statistics.mean(self.found) if self.found else 0.0
        statements = statistics.mean(self.statements) if self.statements else 0.0
        return (
            f"| {self.label} | {len(ordered)} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {ordered[-1]:.2f} | {found:.1f} "
            f"| {statements:.1f} |"
            if ordered
            else f"| {self.label} | 0 | - | - | - | - | - | - |"
        )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch_query", description=__doc__)
    parser.add_argument("--responders", type=int, default=100_000, help="responders seeded")
    parser.add_argument("--queries", type=int, default=2_000, help="nearest-responder queries timed")
    parser.add_argument("--limit", type=int, default=10, help="responders each query ranks")
    parser.add_argument("--radius-km", type=float, default=DEFAULT_RADIUS_KM, help="the search radius")
    parser.add_argument("--city-share", type=float, default=0.7, help="share of responders (and queries) in cities")
    parser.add_argument("--city-sigma-km", type=float, default=8.0, help="spread of a city's responders")
    parser.add_argument(
        "--stale-share", type=float, default=0.2, help="share of responders whose last position is hours old"
    )
    parser.add_argument("--warmup", type=int, default=50, help="untimed queries first")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop seeding and querying after this")
    parser.add_argument("--doc", dest="doc", action="store_true", default=True, help="write docs/benchmarks.md")
    parser.add_argument("--no-doc", dest="doc", action="store_false", help="leave docs/benchmarks.md alone")
    return parser.parse_args()


def _city_point(spread: random.Random, sigma_km: float) -> Point:
    _, lat, lon = spread.choice(CITIES)
    return Point(lat + spread.gauss(0, sigma_km / 111.195), lon + spread.gauss(0, sigma_km / 73.0))


def _rural_point(spread: random.Random) -> Point:
    (lat_lo, lat_hi), (lon_lo, lon_hi) = COUNTRY
    return Point(spread.uniform(lat_lo, lat_hi), spread.uniform(lon_lo, lon_hi))


def _located_at(spread: random.Random, now: datetime, stale_share: float) -> datetime:
    if spread.random() < stale_share:
        return now - timedelta(hours=spread.uniform(1, 48))
    return now - timedelta(minutes=spread.uniform(0, 25))


def _availability(spread: random.Random) -> Availability:
    roll, total = spread.random(), 0.0
    for availability, share in AVAILABILITY:
        total += share
        if roll < total:
            return availability
    return Availability.AVAILABLE


async def _seed(engine: AsyncEngine, arguments: argparse.Namespace, deadline: float) -> tuple[UUID, int]:
    """One organization and its responders, in batches; returns the organization and how many were seeded."""
    spread = random.Random(arguments.seed)
    organization_id = new_id()
    now = utcnow()
    async with engine.begin() as connection:
        await connection.execute(
            insert(Organization).values(
                id=organization_id,
                name="Bench",
                slug=f"bench-{organization_id.hex[:8]}",
                timezone="UTC",
                created_at=now,
                updated_at=now,
            )
        )
    seeded = 0
    while seeded < arguments.responders and time.monotonic() < deadline:
        size = min(BATCH, arguments.responders - seeded)
        users, memberships, profiles = [], [], []
        for n in range(seeded, seeded + size):
            user_id = new_id()
            spot = (
                _city_point(spread, arguments.city_sigma_km)
                if spread.random() < arguments.city_share
                else (_rural_point(spread))
            )
            skills = ["first_aid"] if spread.random() < 1 / 3 else []
            if spread.random() < 0.1:
                skills.append("cpr")
            users.append(
                {
                    "id": user_id,
                    "email": f"r{n}@bench.test",
                    "full_name": f"Responder {n}",
                    "phone": None,
                    "password_hash": None,
                    "last_login_at": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            memberships.append(
                {
                    "id": new_id(),
                    "organization_id": organization_id,
                    "user_id": user_id,
                    "role": Role.RESPONDER,
                    "status": MembershipStatus.ACTIVE,
                    "invitation_token_hash": None,
                    "invitation_expires_at": None,
                    "deactivated_at": None,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            profiles.append(
                {
                    "id": new_id(),
                    "organization_id": organization_id,
                    "user_id": user_id,
                    "skills": skills,
                    "availability": _availability(spread),
                    "availability_changed_at": now,
                    "last_lat": spot.lat,
                    "last_lon": spot.lon,
                    "last_accuracy_m": 10.0,
                    "last_located_at": _located_at(spread, now, arguments.stale_share),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        async with engine.begin() as connection:
            await connection.execute(insert(User), users)
            await connection.execute(insert(Membership), memberships)
            await connection.execute(insert(ResponderProfile), profiles)
        seeded += size
        print(f"  seeded {seeded:,} responders", file=sys.stderr)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE users, memberships, responder_profiles"))
    return organization_id, seeded


async def _plan(engine: AsyncEngine, organization_id: UUID, origin: Point, radius_m: float) -> list[str]:
    """EXPLAIN of one box query of the search, to show which index it uses."""
    wanted = Ranker().fresh(
        search.Search(organization_id=organization_id, origin=origin, radius_m=radius_m, limit=10), utcnow()
    )
    statement, parameters = search.box_query(DatabaseKind.POSTGRESQL, wanted, bounding_box(origin, radius_m))
    bound = statement.params(parameters)
    sql = str(bound.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as connection:
        rows = await connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [row[0] for row in rows]


async def _time_queries(
    engine: AsyncEngine, organization_id: UUID, arguments: argparse.Namespace, deadline: float
) -> list[Timings]:
    spread = random.Random(arguments.seed + 1)
    groups = {
        (area, skilled): Timings(f"{area}, {'skill first_aid' if skilled else 'any skill'}")
        for area in ("city", "countryside")
        for skilled in (False, True)
    }
    uow = UnitOfWork(engine)
    ranker = Ranker()
    executed = [0]

    def count(*_: object) -> None:
        executed[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    total = arguments.warmup + arguments.queries
    for n in range(total):
        if time.monotonic() >= deadline:
            print(f"  stopped after {n - arguments.warmup} timed queries: --max-seconds reached", file=sys.stderr)
            break
        in_city = spread.random() < arguments.city_share
        origin = _city_point(spread, arguments.city_sigma_km * 1.2) if in_city else _rural_point(spread)
        skilled = spread.random() < 0.5
        wanted = search.Search(
            organization_id=organization_id,
            origin=origin,
            radius_m=arguments.radius_km * 1_000,
            limit=arguments.limit,
            skills=("first_aid",) if skilled else (),
        )
        wanted = ranker.fresh(wanted, utcnow())
        async with uow.read():
            executed[0] = 0
            started = time.perf_counter()
            found = await search.nearest(uow.connection, uow.kind, wanted)
            elapsed = (time.perf_counter() - started) * 1_000
        if n >= arguments.warmup:
            group = groups[("city" if in_city else "countryside", skilled)]
            group.samples.append(elapsed)
            group.found.append(len(found))
            group.statements.append(executed[0])
    return list(groups.values())


def _table(timings: Sequence[Timings]) -> str:
    everything = Timings(
        "**all queries**",
        [s for t in timings for s in t.samples],
        [f for t in timings for f in t.found],
        [n for t in timings for n in t.statements],
    )
    header = [
        "| queries from | timed | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | responders found (mean) "
        "| box queries per search (mean) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    return "\n".join([*header, *(t.row() for t in timings), everything.row()])


def _report(arguments: argparse.Namespace, seeded: int, timings: Sequence[Timings], plan: list[str], setup: str) -> str:
    samples = sorted(s for t in timings for s in t.samples)
    p95 = percentile(samples, 0.95)
    verdict = "meets" if p95 < 20 else "misses"
    return "\n".join(
        [
            "## Dispatch: the nearest-responder query",
            "",
            f"### Nearest available responders among {seeded:,} on PostgreSQL (`python -m bench.dispatch_query`)",
            "",
            f"Command: `cd apps/backend && .venv/bin/python -m bench.dispatch_query --responders {arguments.responders}"
            f" --queries {arguments.queries}`.",
            "",
            setup,
            "",
            _table(timings),
            "",
            f"- {seeded:,} responders in one organization; each query asks for the {arguments.limit} nearest available "
            f"responders within {arguments.radius_km:g} km; the search box starts at 500 m and grows by the density "
            f"it finds, so a search makes a few box queries (the last column). The p95 over all queries is "
            f"{p95:.2f} ms, which {verdict} the issue's bar of 20 ms.",
            "- One box query of the search, as PostgreSQL plans and runs it (city centre, 2 km):",
            "",
            "```",
            *plan,
            "```",
        ]
    )


def write_doc(body: str, doc: Path = DOC) -> None:
    """Replaces the ``dispatch-bench`` block of docs/benchmarks.md, appending it when missing."""
    content = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if DOC_BEGIN not in content or DOC_END not in content:
        content = content.rstrip("\n") + f"\n\n{DOC_BEGIN}\n{DOC_END}\n"
    head, rest = content.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(f"{head}{DOC_BEGIN}\n{body.strip()}\n{DOC_END}{tail}")


async def _run(arguments: argparse.Namespace) -> tuple[str, str]:
    deadline = time.monotonic() + arguments.max_seconds
    described_machine = machine()
    async with throwaway_database("dispatch") as url:
        engine = create_engine(Settings(database_url=url, database_pool_size=2))
        try:
            async with engine.connect() as connection:
                version = (await connection.execute(text("SHOW server_version"))).scalar_one()
            started = time.monotonic()
            organization_id, seeded = await _seed(engine, arguments, deadline)
            seconds = time.monotonic() - started
            print(f"  seeding took {seconds:.1f} s", file=sys.stderr)
            timings = await _time_queries(engine, organization_id, arguments, deadline)
            plan = await _plan(engine, organization_id, Point(CITIES[0][1], CITIES[0][2]), 2_000)
        finally:
            await engine.dispose()
    setup = (
        f"PostgreSQL {version} on 127.0.0.1, the query made by `sos.dispatch.search.nearest` through SQLAlchemy Core "
        "and asyncpg on one pooled connection, timed in the same process. Responders: "
        f"{arguments.city_share * 100:.0f} % around {len(CITIES)} cities "
        f"(normal spread, sigma {arguments.city_sigma_km:g} km), "
        "the rest uniform over Germany; 60 % available, 25 % busy, 15 % off duty; a third with `first_aid`; "
        f"{arguments.stale_share * 100:.0f} % last located hours ago, which the query's freshness cutoff "
        f"({Ranker().location_max_age.total_seconds() / 60:.0f} min) leaves out. "
        f"Queries from random points, {arguments.city_share * 100:.0f} % in the cities; "
        f"{arguments.warmup} warm-up queries are not counted. Machine: {described_machine}. "
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
    )
    return _report(arguments, seeded, timings, plan, setup), _table(timings)


def main() -> None:
    arguments = _arguments()
    report, table = asyncio.run(_run(arguments))
    print(table)
    if arguments.doc:
        write_doc(report)
        print(f"wrote the dispatch-bench block of {DOC}")


if __name__ == "__main__":
    main()
