"""``python -m tests.consumers.crash_before_commit NAME...``: runs :func:`run_consumers` from the ``SOS_`` environment
and kills itself with SIGKILL at its first commit, that is after a batch was processed and before its offsets were
committed, the way a crashing consumer process dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiokafka import TopicPartition

from sos.core.config import Settings
from sos.core.kafka_consumer import ConsumerGroupRunner, RunnerTuning, run_consumers


async def _die_instead_of_committing(self: ConsumerGroupRunner, offsets: dict[TopicPartition, int]) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    ConsumerGroupRunner._commit = _die_instead_of_committing  # type: ignore[method-assign]
    tuning = RunnerTuning(poll_timeout_ms=200, session_timeout_ms=6_000, heartbeat_interval_ms=500)
    asyncio.run(run_consumers(Settings(), sys.argv[1:], tuning=tuning))


if __name__ == "__main__":
    main()
