"""How dispatch ranks responders: among those whose last location is recent enough to trust, by straight-line
distance, or by road ETA when a routing service is configured."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from sos.core.config import DatabaseKind, Settings
from sos.dispatch import search
from sos.dispatch.routing import Routing

DEFAULT_LOCATION_MAX_AGE = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Ranker:
    routing: Routing | None = None
    location_max_age: timedelta = DEFAULT_LOCATION_MAX_AGE

    @classmethod
    def from_settings(cls, settings: Settings) -> Ranker:
        return cls(Routing.from_settings(settings), timedelta(minutes=settings.dispatch_location_max_age_minutes))

    def fresh(self, wanted: search.Search, now: datetime) -> search.Search:
        """``wanted``, limited to responders located at most :attr:`location_max_age` before ``now``."""
        return replace(wanted, located_since=now - self.location_max_age)

    async def rank(self, connection: AsyncConnection, kind: DatabaseKind, wanted: search.Search) -> search.Ranking:
        return await search.rank(connection, kind, wanted, self.routing)
