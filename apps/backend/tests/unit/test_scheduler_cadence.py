"""The scheduler loop's cadence: ticks start ``poll_seconds`` apart, however long each tick takes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from itertools import pairwise

from sos.core.scheduler import Scheduler

POLL_SECONDS = 0.8
TICK_SECONDS = 0.6


class SlowWork:
    """Due work whose every run takes a while, recording when each run started."""

    name = "slow"

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.three_runs = asyncio.Event()

    async def run_due(self, now: datetime, limit: int) -> int:
        self.starts.append(asyncio.get_running_loop().time())
        if len(self.starts) == 3:
            self.three_runs.set()
        await asyncio.sleep(TICK_SECONDS)
        return 0


async def tick_starts(poll_seconds: float) -> list[float]:
    work = SlowWork()
    scheduler = Scheduler([work], poll_seconds=poll_seconds)
    scheduler.start()
    try:
        await asyncio.wait_for(work.three_runs.wait(), timeout=30)
    finally:
        await scheduler.stop()
    return work.starts


def gaps(starts: list[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(starts)]


async def test_a_slow_tick_does_not_push_the_next_tick_back_by_its_own_length() -> None:
    spacing = gaps(await tick_starts(POLL_SECONDS))

    # Waiting a full poll after each tick would space the starts POLL_SECONDS + TICK_SECONDS apart.
    assert all(gap < POLL_SECONDS + TICK_SECONDS / 2 for gap in spacing), spacing


async def test_a_tick_longer_than_the_poll_is_followed_by_the_next_at_once() -> None:
    poll_seconds = TICK_SECONDS * 2 / 3

    spacing = gaps(await tick_starts(poll_seconds))

    assert all(gap < TICK_SECONDS + poll_seconds / 2 for gap in spacing), spacing
