"""Background jobs: work that must retry, run by Celery workers or, in the embedded mode, in this process.

A task is ``async def task(ctx: JobContext, **ids) -> None``, registered by name with its queue and retry policy.
Both runners execute the same task functions: they pass ids (never objects), retry failures with exponential backoff
and jitter up to the policy's limit, then call the task's give-up hook. A task locks its row, re-checks its state and
records its idempotency key with :meth:`JobContext.first_run` in the transaction of its effect, so a re-run (a retry,
a redelivery after a killed worker, a sweeper's re-enqueue) has no second effect.
"""

from __future__ import annotations

import importlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import insert, select

from sos.core.events import ProcessedMessage
from sos.core.uow import UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from sos.core.config import Settings

logger = logging.getLogger("sos.jobs")

QUEUES = ("notifications", "exports", "webhooks", "default")
TASK_MODULES = ("sos.notifications.tasks",)
"""Modules whose import registers their tasks; a worker imports them all before it consumes."""

_KEY_NAMESPACE = uuid5(NAMESPACE_URL, "https://sos-platform.dev/jobs")


class JobQueue(Protocol):
    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str | None = None) -> None:
        """Schedules ``task`` with JSON ``args`` (ids, not objects); ``key`` makes its effect happen once.

        ``queue`` defaults to the queue the task was registered with.
        """
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def join(self) -> None:
        """Waits until every job enqueued in this process has finished (a no-op where workers run elsewhere)."""
        ...


class JobFailed(Exception):
    """A failure that retrying cannot fix: the task gives up at once."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 30.0

    def delay(self, retries: int) -> float:
        """Seconds before retry number ``retries + 1``."""
        return backoff_with_jitter(retries, base=self.base_seconds, cap=self.max_seconds)


def backoff_with_jitter(retries: int, *, base: float, cap: float) -> float:
    """Exponential backoff with "equal jitter": between half and all of ``min(cap, base * 2**retries)``."""
    ceiling: float = min(cap, base * 2.0 ** min(retries, 32))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - spreading retries, not cryptography


@dataclass(frozen=True, slots=True)
class JobContext:
    task: str
    key: str
    attempt: int
    """0 on the first run, 1 on the first retry, and so on."""
    uow_factory: UnitOfWorkFactory

    @property
    def idempotency_id(self) -> UUID:
        return uuid5(_KEY_NAMESPACE, self.key)

    async def first_run(self, uow: UnitOfWork) -> bool:
        """Records this job's idempotency key in ``uow``'s transaction; False if a committed run already did.

        Two concurrent runs cannot both commit: the second fails on the key's primary key and, retried, returns False.
        """
        consumer = f"job:{self.task}"[:64]
        seen = await uow.connection.execute(
            select(ProcessedMessage.event_id).where(
                ProcessedMessage.consumer == consumer, ProcessedMessage.event_id == self.idempotency_id
            )
        )
        if seen.first() is not None:
            return False
        await uow.connection.execute(insert(ProcessedMessage).values(consumer=consumer, event_id=self.idempotency_id))
        return True


TaskFunction = Callable[..., Awaitable[None]]
GiveUpHook = Callable[..., Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    run: TaskFunction
    """``async def run(ctx: JobContext, **args) -> None``"""
    queue: str = "default"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    give_up: GiveUpHook | None = None
    """``async def give_up(ctx: JobContext, error: str, **args) -> None``, called once retrying has stopped."""


class UnknownTask(LookupError):
    pass


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, TaskSpec] = {}

    def register(self, spec: TaskSpec) -> TaskSpec:
        if spec.queue not in QUEUES:
            raise ValueError(f"task {spec.name} routes to unknown queue {spec.queue!r}; known: {', '.join(QUEUES)}")
        self._tasks[spec.name] = spec
        return spec

    def get(self, name: str) -> TaskSpec:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTask(f"no task named {name!r} is registered") from None

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(list(self._tasks.values()))


TASKS = TaskRegistry()


def load_tasks() -> TaskRegistry:
    """The registry with every task module imported."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    return TASKS


async def give_up(spec: TaskSpec, ctx: JobContext, error: BaseException, args: dict[str, Any]) -> None:
    """Logs the final failure and runs the task's give-up hook; a failing hook is logged, never raised."""
    logger.error("job %s (%s) gave up after %d attempts: %r", spec.name, ctx.key, ctx.attempt + 1, error)
    if spec.give_up is None:
        return
    try:
        await spec.give_up(ctx, repr(error)[:2000], **args)
    except Exception:
        logger.exception("the give-up hook of job %s (%s) failed", spec.name, ctx.key)


def build_job_queue(settings: Settings, uow_factory: UnitOfWorkFactory) -> JobQueue:
    if settings.job_runner == "celery":
        from sos.core.celery_app import CeleryJobQueue, make_celery

        return CeleryJobQueue(make_celery(settings))
    from sos.core.job_runner import InProcessJobRunner

    return InProcessJobRunner(uow_factory, load_tasks())
