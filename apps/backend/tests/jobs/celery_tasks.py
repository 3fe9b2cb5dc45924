"""Tasks only the Celery tests enqueue; importing this module registers them (the test worker imports it too).

They leave traces in files of a directory the test names, since the test and the worker are different processes.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from sos.core.jobs import TASKS, JobContext, RetryPolicy, TaskSpec
from sos.notifications.tasks import deliver_notification

HANG_FLAG = "hang"
HUNG_MARK = "hung"
RUNS_LOG = "runs"
DONE_MARK = "done"
FINISHED_MARK = "finished"


def _log_run(traces: Path, ctx: JobContext) -> None:
    with (traces / RUNS_LOG).open("a") as runs:
        runs.write(f"{ctx.attempt} {time.time()}\n")


async def deliver_then_hang(ctx: JobContext, notification_id: str, traces: str) -> None:
    """Delivers, then (while the hang flag is there) hangs after the commit and before the broker's ack. Only the
    first run hangs: one that the broker hands out again while the first still hangs (its visibility timeout passed
    on a slow machine) goes on to finish."""
    folder = Path(traces)
    _log_run(folder, ctx)
    await deliver_notification(ctx, notification_id=notification_id)
    if (folder / HANG_FLAG).exists() and _first_to_hang(folder / HUNG_MARK):
        await asyncio.sleep(120)
    (folder / FINISHED_MARK).touch()


def _first_to_hang(mark: Path) -> bool:
    try:
        with mark.open("x") as claimed:
            claimed.write(str(os.getpid()))
    except FileExistsError:
        return False
    return True


async def fail_twice(ctx: JobContext, traces: str) -> None:
    folder = Path(traces)
    _log_run(folder, ctx)
    if ctx.attempt < 2:
        raise ConnectionError(f"transient failure on attempt {ctx.attempt + 1}")
    (folder / DONE_MARK).touch()


FLAKY_POLICY = RetryPolicy(max_retries=3, base_seconds=0.4, max_seconds=2.0)

TASKS.register(TaskSpec("tests.deliver_then_hang", deliver_then_hang, queue="notifications"))
TASKS.register(TaskSpec("tests.fail_twice", fail_twice, retry=FLAKY_POLICY))
