"""`sos relay` and `sos outbox status` as real subprocesses, and ways to watch the database and the broker's sockets."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

SOS = Path(sys.executable).parent / "sos"


def relay_environment(database_url: str, data_dir: Path, bootstrap: str, topic_prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "SOS_ENVIRONMENT": "test",
        "SOS_DATABASE_URL": database_url,
        "SOS_DATA_DIR": str(data_dir),
        "SOS_EVENT_BUS": "kafka",
        "SOS_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SOS_KAFKA_TOPIC_PREFIX": topic_prefix,
        # tansu cannot serve aiokafka's idempotent producer (InitProducerId v0); see tests/kafka.py.
        "SOS_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "SOS_OUTBOX_POLL_SECONDS": "0.1",
        "SOS_OUTBOX_LEASE_SECONDS": "3",
        "SOS_LOG_LEVEL": "INFO",
    }


def start_relay(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own console script
            [str(SOS), "relay"], env=environment, stdout=output, stderr=subprocess.STDOUT
        )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def outbox_status_json(environment: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(SOS), "outbox", "status", "--json"], env=environment, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    status: dict[str, Any] = json.loads(done.stdout)
    return status


async def eventually(check: Callable[[], Awaitable[bool] | bool], *, timeout_seconds: float = 60.0, what: str) -> None:
    """Polls ``check`` until it holds: another process does the work, so there is nothing to drain or tick here."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    while not await _holds(check):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def unread_bytes_at(port: int) -> int:
    """Bytes that arrived on the loopback sockets served on ``port`` and that the server has not read yet."""
    total = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port == port and remote_port != 0:
            total += int(fields[4].split(":")[1], 16)
    return total


async def _holds(check: Callable[[], Awaitable[bool] | bool]) -> bool:
    outcome = check()
    return await outcome if inspect.isawaitable(outcome) else outcome
