"""The scheduler loop: runs durable, time-driven work (escalation steps, check-in deadlines) when it falls due.

Each kind of work claims its due rows with row locks inside the transaction that performs the step and moves the
due time on, so a crash, a restart or a second scheduler never loses or doubles a step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sos.core.db import utcnow

logger = logging.getLogger("sos.scheduler")


class DueWork(Protocol):
    name: str

    async def run_due(self, now: datetime, limit: int) -> int:
        """Claims at most ``limit`` items due at ``now``, performs them and returns how many it performed."""
        ...


class Scheduler:
    def __init__(self, work: Sequence[DueWork], *, poll_seconds: float = 1.0, batch_size: int = 100) -> None:
        self._work = list(work)
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    async def tick(self, now: datetime | None = None) -> dict[str, int]:
        """Runs every kind of work until nothing is due at ``now``; returns how many steps each performed."""
        moment = now or utcnow()
        done: dict[str, int] = {}
        for work in self._work:
            total = 0
            try:
                while (performed := await work.run_due(moment, self._batch_size)) > 0:
                    total += performed
                    if performed < self._batch_size:
                        break
            except Exception:
                logger.exception("scheduled work %s failed; retried on the next tick", work.name)
            done[work.name] = total
        return done

    def request_stop(self) -> None:
        """Ends :meth:`run_forever` after the tick in hand, so no step is cut off half way."""
        self._stopping = True
        self._wakeup.set()

    async def run_forever(self) -> None:
        """Ticks every ``poll_seconds`` from the start of one tick to the next, so a busy tick does not stretch the
        wait for what falls due during it; a tick longer than that is followed by the next one at once."""
        loop = asyncio.get_running_loop()
        while not self._stopping:
            started = loop.time()
            await self.tick()
            if self._stopping:
                break
            remaining = self._poll_seconds - (loop.time() - started)
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=remaining)
            self._wakeup.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="scheduler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
