"""The per-user limit on location uploads, counted by the ``limits`` library in memory or, shared by every API
replica, in Redis (``SOS_RATE_LIMIT_STORAGE_URL``).

One upload is one unit, whether it carries one fix or a batch: a phone replaying its offline queue sends a few
batches and is not refused, while a device stuck in a loop of single fixes is. When Redis is unreachable the limit is
not enforced (fail open): a lost location during an emergency costs more than a burst of extra rows.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Annotated, Any, ClassVar
from uuid import UUID
from weakref import WeakKeyDictionary

from fastapi import Depends
from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from sqlalchemy.engine import Engine

from sos.core.config import Settings
from sos.core.dependencies import ContainerDep
from sos.core.errors import TooManyRequests

logger = logging.getLogger("sos.locations")

NAMESPACE = "sos-locations"
RATE_LIMITED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over the per-user limit of location uploads; retry after Retry-After seconds"}
}
REDIS_TIMEOUT_SECONDS = 0.5
"""How long a limit check waits for Redis before letting the upload through."""


def _storage_options(storage_url: str) -> dict[str, float | str | bool]:
    if "redis" not in storage_url.split("://", 1)[0]:
        return {}
    return {
        "implementation": "redispy",
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    }


class LocationRateLimiter:
    """At most ``per_minute`` uploads per user in any sliding minute."""

    _by_engine: ClassVar[WeakKeyDictionary[Engine, LocationRateLimiter]] = WeakKeyDictionary()

    def __init__(self, storage_url: str, per_minute: int) -> None:
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(url, **_storage_options(storage_url)))
        self._item = RateLimitItemPerMinute(per_minute)
        self.per_minute = per_minute

    @classmethod
    def from_settings(cls, settings: Settings) -> LocationRateLimiter:
        return cls(settings.rate_limit_storage_url, settings.location_updates_per_minute)

    @classmethod
    def for_engine(cls, engine: Engine, settings: Settings) -> LocationRateLimiter:
        """One limiter per process and database, built on first use."""
        limiter = cls._by_engine.get(engine)
        if limiter is None:
            limiter = cls._by_engine[engine] = cls.from_settings(settings)
        return limiter

    async def take(self, user_id: UUID) -> None:
        """Counts one upload of ``user_id``; raises :class:`TooManyRequests` with ``Retry-After`` over the limit."""
        key = str(user_id)
        try:
            if await self._limiter.hit(self._item, NAMESPACE, key):
                return
            stats = await self._limiter.get_window_stats(self._item, NAMESPACE, key)
        except Exception as exc:
            logger.warning("location rate limit storage unavailable, accepting the upload: %s", exc)
            return
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"More than {self.per_minute} location uploads in a minute; send again in {wait} seconds, "
            "or batch the fixes into one upload.",
            headers={"Retry-After": str(wait)},
            retry_after_seconds=wait,
            limit_per_minute=self.per_minute,
        )


async def location_limiter(container: ContainerDep) -> LocationRateLimiter:
    return LocationRateLimiter.for_engine(container.engine.sync_engine, container.settings)


LocationLimiter = Annotated[LocationRateLimiter, Depends(location_limiter)]
