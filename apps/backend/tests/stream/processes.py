"""Real processes for the fan-out tests: a Redis of our own (to kill and restart), and API replicas under uvicorn."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.settings import TEST_KEY_PEM
from tests.stream.support import TLS, free_port, until_listening

START_SECONDS = 90.0
"""Generous: two replicas importing the whole app at once on a busy two-core machine."""


class RedisServer:
    """``redis-server`` without persistence on a free port: what a restart loses is what production's loses."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed")
        self._process = subprocess.Popen(  # noqa: S603 - a fixed local binary
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self._workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def listening(self) -> None:
        await until_listening(self.port)

    def kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)


class Replica:
    """``uvicorn sos.main:app``: an API process with its own relay, in-process consumers and stream hub."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._environment = environment
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603 - our own app
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "sos.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--http",
                    "httptools",
                    "--log-level",
                    "warning",
                    "--timeout-graceful-shutdown",
                    "2",
                ],
                env=self._environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    async def ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_SECONDS
        async with httpx.AsyncClient(base_url=self.url, verify=TLS, timeout=2) as http:
            while True:
                if self._process is not None and self._process.poll() is not None:
                    raise RuntimeError(f"the replica exited: {self._log.read_text()[-3000:]}")
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if loop.time() > deadline:
                    raise TimeoutError(f"the replica on {self.port} did not start: {self._log.read_text()[-3000:]}")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def replica_environment(database_url: str, data_dir: Path, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SOS_ENVIRONMENT": "test",
        "SOS_DATABASE_URL": database_url,
        "SOS_DATA_DIR": str(data_dir),
        "SOS_JWT_PRIVATE_KEY": TEST_KEY_PEM,
        "SOS_STREAM_BACKEND": "redis",
        "SOS_REDIS_URL": redis_url,
        "SOS_RUN_SCHEDULER_IN_PROCESS": "false",
        "SOS_OUTBOX_POLL_SECONDS": "0.2",
        "SOS_LOG_LEVEL": "WARNING",
        "SOS_WEB_DIR": str(data_dir / "no-web-console"),
    }
