"""Per-provider circuit breakers and rate limits, so one failing or saturated provider slows nothing else.

Breakers live in each process (each worker learns a provider's state from its own sends, as resilience4j does);
rate limits are counted by the ``limits`` library in memory or, shared by every worker, in Redis. When Redis is
unreachable the limit is not enforced: an emergency notification is never held back by the limiter's own outage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

logger = logging.getLogger("sos.providers")

Clock = Callable[[], float]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    state: BreakerState
    consecutive_failures: int
    retry_in_seconds: float | None


class CircuitBreaker:
    """Opens after ``failures`` failures in a row; after ``reset_seconds`` lets one trial through (half-open)."""

    def __init__(self, *, failures: int, reset_seconds: float, clock: Clock = time.monotonic) -> None:
        self._threshold = failures
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started: float | None = None

    @property
    def _trial_in_flight(self) -> bool:
        """A trial whose outcome never came (its task was cancelled) stops counting after ``reset_seconds``."""
        return self._trial_started is not None and self._clock() - self._trial_started < self._reset_seconds

    def allow(self) -> bool:
        if self._opened_at is None:
            return True
        if self._clock() - self._opened_at < self._reset_seconds or self._trial_in_flight:
            return False
        self._trial_started = self._clock()
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_started = None

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_started is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._trial_started = None

    def snapshot(self) -> BreakerSnapshot:
        if self._opened_at is None:
            return BreakerSnapshot(BreakerState.CLOSED, self._failures, None)
        left = self._reset_seconds - (self._clock() - self._opened_at)
        state = BreakerState.OPEN if left > 0 or self._trial_in_flight else BreakerState.HALF_OPEN
        return BreakerSnapshot(state, self._failures, max(left, 0.0))


class ProviderRateLimiter:
    def __init__(self, storage_url: str) -> None:
        options = {"implementation": "redispy"} if "redis" in storage_url.split("://", 1)[0] else {}
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(url, **options))

    async def acquire(self, key: str, per_second: int | None) -> bool:
        """Takes one send from ``key``'s budget; False when the budget for this second is spent."""
        if not per_second:
            return True
        try:
            return await self._limiter.hit(RateLimitItemPerSecond(per_second), "sos-provider", key)
        except Exception as exc:
            logger.warning("rate limit storage unavailable, sending without a limit: %s", exc)
            return True
