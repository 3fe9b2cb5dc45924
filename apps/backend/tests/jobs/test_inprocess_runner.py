"""The embedded job runner: retries with backoff, gives up, bounds concurrency and drains on stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sos.core.job_runner import InProcessJobRunner
from sos.core.jobs import JobContext, JobFailed, RetryPolicy, TaskRegistry, TaskSpec, UnknownTask, backoff_with_jitter
from sos.core.uow import UnitOfWorkFactory

POLICY = RetryPolicy(max_retries=3, base_seconds=1.0, max_seconds=3.0)


@dataclass
class Flaky:
    """A task that fails its first ``failures`` runs."""

    failures: int
    exception: type[Exception] = RuntimeError
    attempts: list[int] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)

    async def run(self, ctx: JobContext, item_id: str) -> None:
        self.attempts.append(ctx.attempt)
        if len(self.attempts) <= self.failures:
            raise self.exception(f"failure {len(self.attempts)} of {item_id}")

    async def give_up(self, ctx: JobContext, error: str, item_id: str) -> None:
        self.gave_up.append(f"{item_id}: {error}")


@dataclass
class RecordedSleep:
    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
async def uow_factory() -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_async_engine("sqlite+aiosqlite://")
    yield UnitOfWorkFactory(engine)
    await engine.dispose()


def _runner(uow_factory: UnitOfWorkFactory, task: Flaky, sleep: RecordedSleep) -> InProcessJobRunner:
    registry = TaskRegistry()
    registry.register(TaskSpec("tests.flaky", task.run, retry=POLICY, give_up=task.give_up))
    return InProcessJobRunner(uow_factory, registry, sleep=sleep)


async def test_a_failing_job_is_retried_with_growing_backoff_until_it_succeeds(
    uow_factory: UnitOfWorkFactory,
) -> None:
    task, sleep = Flaky(failures=2), RecordedSleep()
    runner = _runner(uow_factory, task, sleep)
    await runner.enqueue("tests.flaky", {"item_id": "a"}, key="flaky:a")
    await runner.join()
    assert task.attempts == [0, 1, 2]
    assert task.gave_up == []
    assert 0.5 <= sleep.delays[0] <= 1.0
    assert 1.0 <= sleep.delays[1] <= 2.0


async def test_a_job_gives_up_after_its_max_retries_and_runs_its_give_up_hook(
    uow_factory: UnitOfWorkFactory,
) -> None:
    task, sleep = Flaky(failures=100), RecordedSleep()
    runner = _runner(uow_factory, task, sleep)
    await runner.enqueue("tests.flaky", {"item_id": "b"}, key="flaky:b")
    await runner.join()
    assert task.attempts == [0, 1, 2, 3]
    assert len(sleep.delays) == 3
    assert max(sleep.delays) <= POLICY.max_seconds
    assert task.gave_up == ["b: RuntimeError('failure 4 of b')"]


async def test_a_permanent_failure_gives_up_without_retrying(uow_factory: UnitOfWorkFactory) -> None:
    task, sleep = Flaky(failures=1, exception=JobFailed), RecordedSleep()
    runner = _runner(uow_factory, task, sleep)
    await runner.enqueue("tests.flaky", {"item_id": "c"}, key="flaky:c")
    await runner.join()
    assert task.attempts == [0]
    assert sleep.delays == []
    assert len(task.gave_up) == 1


async def test_at_most_concurrency_jobs_run_at_once(uow_factory: UnitOfWorkFactory) -> None:
    running, peak, release = 0, 0, asyncio.Event()

    async def hold(ctx: JobContext, n: str) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    registry = TaskRegistry()
    registry.register(TaskSpec("tests.hold", hold))
    runner = InProcessJobRunner(uow_factory, registry, concurrency=3)
    for n in range(10):
        await runner.enqueue("tests.hold", {"n": str(n)}, key=f"hold:{n}")
    for _ in range(5):
        await asyncio.sleep(0)
    assert peak == 3
    release.set()
    await runner.join()
    assert (peak, running) == (3, 0)


async def test_stop_lets_running_jobs_finish(uow_factory: UnitOfWorkFactory) -> None:
    finished: list[str] = []

    async def slow(ctx: JobContext, n: str) -> None:
        await asyncio.sleep(0.05)
        finished.append(n)

    registry = TaskRegistry()
    registry.register(TaskSpec("tests.slow", slow))
    runner = InProcessJobRunner(uow_factory, registry)
    await runner.enqueue("tests.slow", {"n": "1"}, key="slow:1")
    await runner.stop()
    assert finished == ["1"]
    with pytest.raises(RuntimeError, match="stopped"):
        await runner.enqueue("tests.slow", {"n": "2"}, key="slow:2")


async def test_stop_cancels_jobs_that_outlast_the_drain(uow_factory: UnitOfWorkFactory) -> None:
    async def forever(ctx: JobContext) -> None:
        await asyncio.Event().wait()

    registry = TaskRegistry()
    registry.register(TaskSpec("tests.forever", forever))
    runner = InProcessJobRunner(uow_factory, registry, drain_seconds=0.05)
    await runner.enqueue("tests.forever", {}, key="forever")
    await runner.stop()
    assert runner.running == 0


async def test_enqueueing_an_unknown_task_fails(uow_factory: UnitOfWorkFactory) -> None:
    runner = InProcessJobRunner(uow_factory, TaskRegistry())
    with pytest.raises(UnknownTask):
        await runner.enqueue("tests.nothing", {}, key="nothing")


def test_a_task_must_route_to_a_known_queue() -> None:
    async def noop(ctx: JobContext) -> None:
        return None

    with pytest.raises(ValueError, match="unknown queue"):
        TaskRegistry().register(TaskSpec("tests.lost", noop, queue="nowhere"))


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    for retries, ceiling in ((0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (10, 8.0)):
        delays = {backoff_with_jitter(retries, base=1.0, cap=8.0) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1
