"""A Celery worker for the tests: ``python -m tests.jobs.celery_worker <key-prefix>``, configured by SOS_* variables.

Once it consumes, it writes ``ready-<pid>`` into SOS_DATA_DIR, so a test can wait for it before it enqueues.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from celery.signals import worker_ready

import tests.jobs.celery_tasks  # noqa: F401 - registers the test tasks
from sos.core.celery_app import run_worker
from sos.core.config import Settings
from sos.core.jobs import QUEUES

READY_MARK = "ready-{pid}"


def _mark_ready(**_: Any) -> None:
    (Path(os.environ["SOS_DATA_DIR"]) / READY_MARK.format(pid=os.getpid())).touch()


if __name__ == "__main__":
    worker_ready.connect(_mark_ready, weak=False)
    run_worker(Settings(), QUEUES, 1, key_prefix=sys.argv[1])
