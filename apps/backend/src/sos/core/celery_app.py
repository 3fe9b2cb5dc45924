"""Celery on the Redis broker: the same registered task functions, run by ``sos worker`` processes.

Messages are acknowledged late and requeued when a worker dies, so a killed worker's task runs again once the
broker's visibility timeout has passed; each task's idempotency key keeps that re-run from having a second effect.
Each worker process runs the task coroutines on its own event loop with its own database engine.

``celery -A sos.core.celery_app worker`` works too: the module builds its ``app`` from the environment on first use.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from celery import Celery, Task
from celery.signals import worker_process_shutdown, worker_shutdown
from kombu import Queue
from sqlalchemy.ext.asyncio import AsyncEngine

import sos.models  # noqa: F401 - every table, so that foreign-key columns resolve their types in a worker
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.jobs import QUEUES, JobContext, JobFailed, TaskRegistry, TaskSpec, give_up, load_tasks
from sos.core.uow import UnitOfWorkFactory
from sos.providers.runtime import DeliveryRuntime

logger = logging.getLogger("sos.jobs")

DEFAULT_KEY_PREFIX = "sos:"
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


@dataclass(slots=True)
class WorkerRuntime:
    """The event loop and engine of one worker process; a forked child builds its own."""

    pid: int
    loop: asyncio.AbstractEventLoop
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory

    _current: ClassVar[WorkerRuntime | None] = None

    @classmethod
    def current(cls, settings: Settings) -> WorkerRuntime:
        runtime = cls._current
        if runtime is None or runtime.pid != os.getpid():
            engine = create_engine(settings)
            runtime = cls(os.getpid(), asyncio.new_event_loop(), engine, UnitOfWorkFactory(engine))
            DeliveryRuntime.attach(settings, runtime.uow_factory)
            cls._current = runtime
        return runtime

    @classmethod
    def close(cls) -> None:
        runtime, cls._current = cls._current, None
        if runtime is not None and runtime.pid == os.getpid():
            runtime.loop.run_until_complete(DeliveryRuntime.of(runtime.engine).close())
            runtime.loop.run_until_complete(runtime.engine.dispose())
            runtime.loop.close()

    def run(self, work: Awaitable[None]) -> None:
        self.loop.run_until_complete(work)


def _close_runtime(**_: Any) -> None:
    WorkerRuntime.close()


worker_shutdown.connect(_close_runtime, weak=False)
worker_process_shutdown.connect(_close_runtime, weak=False)


def _register(app: Celery, spec: TaskSpec, settings: Settings) -> None:
    def run(self: Task[Any, Any], key: str, args: dict[str, Any]) -> None:
        runtime = WorkerRuntime.current(settings)
        ctx = JobContext(task=spec.name, key=key, attempt=self.request.retries, uow_factory=runtime.uow_factory)
        try:
            runtime.run(spec.run(ctx, **args))
        except JobFailed as exc:
            runtime.run(give_up(spec, ctx, exc, args))
        except Exception as exc:
            if ctx.attempt >= spec.retry.max_retries:
                runtime.run(give_up(spec, ctx, exc, args))
                return
            logger.warning("job %s (%s) failed on attempt %d; retrying", spec.name, key, ctx.attempt + 1)
            raise self.retry(exc=exc, countdown=spec.retry.delay(ctx.attempt), max_retries=None) from exc

    app.task(
        name=spec.name,
        bind=True,
        queue=spec.queue,
        acks_late=True,
        reject_on_worker_lost=True,
        ignore_result=True,
    )(run)


def make_celery(
    settings: Settings, *, registry: TaskRegistry | None = None, key_prefix: str = DEFAULT_KEY_PREFIX
) -> Celery:
    """A Celery app with every registered task; ``key_prefix`` namespaces its keys in Redis."""
    tasks = registry or load_tasks()
    visibility = settings.celery_visibility_timeout_seconds
    app = Celery("sos", broker=settings.celery_broker_url or settings.redis_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_queues=[Queue(name, routing_key=name) for name in QUEUES],
        task_default_queue="default",
        task_routes={spec.name: {"queue": spec.queue} for spec in tasks},
        task_publish_retry_policy=PUBLISH_RETRY_POLICY,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            "global_keyprefix": key_prefix,
            # Look for the messages of killed workers about ten times per visibility timeout.
            "unacked_restore_interval": max(1, visibility // 10),
            "unacked_restore_throttle": 1,
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    for spec in tasks:
        _register(app, spec, settings)
    return app


class CeleryJobQueue:
    """Enqueues to the Redis broker; the work runs in ``sos worker`` processes."""

    def __init__(self, app: Celery, registry: TaskRegistry | None = None) -> None:
        self._app = app
        self._registry = registry or load_tasks()

    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str | None = None) -> None:
        spec = self._registry.get(task)
        await asyncio.to_thread(
            self._app.send_task, spec.name, kwargs={"key": key, "args": args}, queue=queue or spec.queue
        )

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await asyncio.to_thread(self._app.close)

    async def join(self) -> None:
        return None


def worker_argv(queues: Sequence[str], concurrency: int, log_level: str) -> list[str]:
    unknown = sorted(set(queues) - set(QUEUES))
    if unknown:
        raise ValueError(f"unknown queues {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    return [
        "worker",
        f"--queues={','.join(queues or QUEUES)}",
        f"--concurrency={concurrency}",
        f"--pool={'solo' if concurrency == 1 else 'prefork'}",
        f"--loglevel={log_level}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def run_worker(
    settings: Settings, queues: Sequence[str], concurrency: int, *, key_prefix: str = DEFAULT_KEY_PREFIX
) -> None:
    """Runs a Celery worker in this process until it is stopped (SIGTERM finishes the running task first)."""
    app = make_celery(settings, key_prefix=key_prefix)
    app.worker_main(worker_argv(queues, concurrency, settings.log_level.upper()))


@functools.cache
def _app_from_environment() -> Celery:
    return make_celery(Settings())


def __getattr__(name: str) -> Celery:
    if name in {"app", "celery"}:
        return _app_from_environment()
    raise AttributeError(name)
