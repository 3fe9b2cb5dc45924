from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from sos.locations.limits import LocationRateLimiter, location_limiter

TIGHT_LIMIT = 3


@pytest.fixture
def tight_limit(app: FastAPI) -> Iterator[LocationRateLimiter]:
    """The app counts location uploads against a limit of three a minute, in memory, for this test only."""
    limiter = LocationRateLimiter("memory://", per_minute=TIGHT_LIMIT)
    app.dependency_overrides[location_limiter] = lambda: limiter
    yield limiter
    app.dependency_overrides.pop(location_limiter, None)
