"""Celery workers against the local Redis: real worker processes, a killed worker, retries with backoff.

Every test namespaces its Redis keys with a fresh prefix and deletes them afterwards; workers are separate
processes that the fixture always kills. They share the test's database, SQLite files included (WAL mode).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from httpx import AsyncClient

from sos.core.celery_app import CeleryJobQueue, make_celery
from sos.core.config import Settings
from sos.core.container import Container
from tests.factories import Tenant, raise_sos
from tests.jobs import celery_tasks
from tests.jobs.celery_worker import READY_MARK
from tests.notifications.helpers import attempts_of, count_events, escalated, notifications_of, pending_notification

REDIS_URL = os.environ.get("SOS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
VISIBILITY_SECONDS = 5
# A worker starts a fresh interpreter that imports the whole app: on a loaded CI machine that alone can take long.
STARTUP_SECONDS = 180
BACKEND_DIR = Path(__file__).resolve().parents[2]


@dataclass
class CeleryWorld:
    database_url: str
    traces: Path
    prefix: str = field(default_factory=lambda: f"sos-test-{secrets.token_hex(6)}:")
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def settings(self) -> Settings:
        return Settings(
            environment="test",
            database_url=self.database_url,
            data_dir=self.traces,
            redis_url=REDIS_URL,
            celery_visibility_timeout_seconds=VISIBILITY_SECONDS,
        )

    def start_worker(self) -> subprocess.Popen[bytes]:
        env = os.environ | {
            "SOS_ENVIRONMENT": "test",
            "SOS_DATABASE_URL": self.database_url,
            "SOS_DATA_DIR": str(self.traces),
            "SOS_REDIS_URL": REDIS_URL,
            "SOS_CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
            "SOS_LOG_LEVEL": "WARNING",
        }
        log = (self.traces / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(  # noqa: S603 - this interpreter with our own arguments
            [sys.executable, "-m", "tests.jobs.celery_worker", self.prefix],
            cwd=BACKEND_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.workers.append(worker)
        return worker

    async def start_workers(self, count: int) -> list[subprocess.Popen[bytes]]:
        workers = [self.start_worker() for _ in range(count)]
        marks = [self.traces / READY_MARK.format(pid=worker.pid) for worker in workers]
        await self.wait_for(
            lambda: all(mark.exists() for mark in marks), seconds=STARTUP_SECONDS, what="workers to start"
        )
        return workers

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.traces.glob("worker-*.log")))

    def runs(self) -> list[tuple[int, float]]:
        path = self.traces / celery_tasks.RUNS_LOG
        lines = path.read_text().split() if path.exists() else []
        return [(int(lines[i]), float(lines[i + 1])) for i in range(0, len(lines), 2)]

    async def wait_for(self, condition: Callable[[], bool], *, seconds: float, what: str) -> None:
        try:
            async with asyncio.timeout(seconds):
                while True:
                    if condition():
                        return
                    await asyncio.sleep(0.1)  # another process changes the files; nothing here can signal it
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; worker output:\n{self.logs()}") from None


def _forget_keys(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@dataclass
class Celery:
    world: CeleryWorld
    queue: CeleryJobQueue


async def _celery(database_url: str, traces: Path) -> AsyncIterator[Celery]:
    world = CeleryWorld(database_url, traces)
    queue = CeleryJobQueue(make_celery(world.settings(), key_prefix=world.prefix))
    try:
        yield Celery(world, queue)
    finally:
        for worker in world.workers:
            world.kill(worker)
        await queue.stop()
        _forget_keys(world.prefix)


@pytest.fixture
async def celery(database_url: str, tmp_path: Path) -> AsyncIterator[Celery]:
    async for world in _celery(database_url, tmp_path):
        yield world


@pytest.fixture
async def celery_without_database(tmp_path: Path) -> AsyncIterator[Celery]:
    async for world in _celery(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path):
        yield world


async def test_a_killed_workers_task_runs_again_with_one_effect(
    client: AsyncClient, container: Container, tenant: Tenant, celery: Celery
) -> None:
    world, traces = celery.world, celery.world.traces
    alert = await raise_sos(client, tenant.reporter)
    event = escalated(tenant, alert["id"], [tenant.responder.user_id])
    notification_id = await pending_notification(container, tenant.responder.user_id, event)
    (traces / celery_tasks.HANG_FLAG).touch()
    # Two workers: whichever takes the task is killed while it hangs; the other gets the task once it is visible again.
    workers = {worker.pid: worker for worker in await world.start_workers(2)}
    args: dict[str, Any] = {"notification_id": str(notification_id), "traces": str(traces)}
    await celery.queue.enqueue("tests.deliver_then_hang", args, key=f"deliver:{notification_id}")
    hung = traces / celery_tasks.HUNG_MARK
    await world.wait_for(lambda: hung.exists() and hung.read_text() != "", seconds=60, what="the first run")

    (delivered,) = await notifications_of(container, tenant.responder.user_id)
    assert delivered.status == "delivered", "the first run commits its effect before it hangs"
    (traces / celery_tasks.HANG_FLAG).unlink()
    world.kill(workers[int(hung.read_text())])
    await world.wait_for(
        lambda: (traces / celery_tasks.FINISHED_MARK).exists(), seconds=30 + 6 * VISIBILITY_SECONDS, what="a re-run"
    )

    assert [attempt for attempt, _at in world.runs()] == [0, 0]
    (notification,) = await notifications_of(container, tenant.responder.user_id)
    assert notification.status == "delivered"
    assert len(await attempts_of(container, notification_id)) == 1
    assert await count_events(container, "notification.delivered", notification_id) == 1


async def test_a_task_retries_with_backoff_after_transient_failures(celery_without_database: Celery) -> None:
    world, traces = celery_without_database.world, celery_without_database.world.traces
    await world.start_workers(1)
    await celery_without_database.queue.enqueue("tests.fail_twice", {"traces": str(traces)}, key="fail-twice")
    await world.wait_for(lambda: (traces / celery_tasks.DONE_MARK).exists(), seconds=60, what="the third attempt")
    runs = world.runs()
    assert [attempt for attempt, _at in runs] == [0, 1, 2]
    policy = celery_tasks.FLAKY_POLICY
    first_wait, second_wait = runs[1][1] - runs[0][1], runs[2][1] - runs[1][1]
    assert first_wait >= policy.base_seconds / 2
    assert second_wait >= policy.base_seconds


async def test_enqueueing_while_the_broker_is_down_fails_quickly(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    queue = CeleryJobQueue(make_celery(settings, key_prefix=f"sos-test-{secrets.token_hex(6)}:"))
    started = time.monotonic()
    with pytest.raises(Exception, match=r"(?i)connect|refused"):
        await queue.enqueue("notifications.deliver", {"notification_id": "x"}, key="x")
    assert time.monotonic() - started < 10
    await queue.stop()
