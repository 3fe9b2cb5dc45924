"""The embedded job runner: the registered task functions in asyncio tasks of this process, no broker needed.

Same retry policy as the Celery workers; at most ``concurrency`` jobs run at once (a job waiting out its backoff
holds no slot). Stopping drains the running jobs for a while, then cancels the rest: their rows stay pending, and the
task's own sweeper enqueues them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sos.core.jobs import JobContext, JobFailed, TaskRegistry, TaskSpec, give_up
from sos.core.uow import UnitOfWorkFactory

logger = logging.getLogger("sos.jobs")

Sleep = Callable[[float], Awaitable[None]]


class InProcessJobRunner:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        registry: TaskRegistry,
        *,
        concurrency: int = 8,
        drain_seconds: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._uow_factory = uow_factory
        self._registry = registry
        self._slots = asyncio.Semaphore(concurrency)
        self._drain_seconds = drain_seconds
        self._sleep = sleep
        self._jobs: set[asyncio.Task[None]] = set()
        self._stopped = False

    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str | None = None) -> None:
        spec = self._registry.get(task)
        if self._stopped:
            raise RuntimeError(f"the job runner is stopped; {task} ({key}) is left for its sweeper")
        job = asyncio.create_task(self._run(spec, dict(args), key), name=f"job:{task}:{key}")
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def _run(self, spec: TaskSpec, args: dict[str, Any], key: str) -> None:
        attempt = 0
        while True:
            ctx = JobContext(task=spec.name, key=key, attempt=attempt, uow_factory=self._uow_factory)
            async with self._slots:
                try:
                    await spec.run(ctx, **args)
                    return
                except JobFailed as exc:
                    await give_up(spec, ctx, exc, args)
                    return
                except Exception as exc:
                    if attempt >= spec.retry.max_retries:
                        await give_up(spec, ctx, exc, args)
                        return
                    logger.warning("job %s (%s) failed on attempt %d; retrying", spec.name, key, attempt + 1)
            await self._sleep(spec.retry.delay(attempt))
            attempt += 1

    async def join(self) -> None:
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    @property
    def running(self) -> int:
        return len(self._jobs)

    async def start(self) -> None:
        self._stopped = False

    async def stop(self) -> None:
        self._stopped = True
        if not self._jobs:
            return
        try:
            await asyncio.wait_for(self.join(), timeout=self._drain_seconds)
        except TimeoutError:
            left = list(self._jobs)
            logger.warning("stopping with %d jobs unfinished; their sweepers enqueue them again", len(left))
            for job in left:
                job.cancel()
            await asyncio.gather(*left, return_exceptions=True)
