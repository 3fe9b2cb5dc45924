"""A Celery worker for the tests: ``python -m tests.jobs.celery_worker <key-prefix>``, configured by SOS_* variables."""

from __future__ import annotations

import sys

import tests.jobs.celery_tasks  # noqa: F401 - registers the test tasks
from sos.core.celery_app import run_worker
from sos.core.config import Settings
from sos.core.jobs import QUEUES

if __name__ == "__main__":
    run_worker(Settings(), QUEUES, 1, key_prefix=sys.argv[1])
