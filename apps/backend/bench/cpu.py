"""CPU use during a stage, from /proc: the generator, the server's process tree, and the whole machine."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class CpuSample:
    """CPU seconds; after subtracting two samples, the seconds spent between them."""

    wall: float
    generator: float
    server: float
    postgres: float
    machine_busy: float

    def __sub__(self, other: CpuSample) -> CpuSample:
        return CpuSample(
            wall=self.wall - other.wall,
            generator=self.generator - other.generator,
            server=self.server - other.server,
            postgres=self.postgres - other.postgres,
            machine_busy=self.machine_busy - other.machine_busy,
        )

    def cores(self, seconds: float) -> float:
        return seconds / self.wall if self.wall > 0 else 0.0


def _process_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _tree_seconds(pid: int) -> float:
    return _process_seconds(pid) + sum(_tree_seconds(child) for child in _children(pid))


def _postgres_seconds() -> float:
    """All PostgreSQL processes on the machine: the benchmark's database is the busy one while it runs."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, _, rest = (entry / "stat").read_text().partition(") ")
            except OSError:
                continue
            if head.endswith("(postgres"):
                fields = rest.split()
                total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def _machine_busy_seconds() -> float:
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / _TICKS


def sample_cpu(server_pid: int | None) -> CpuSample:
    return CpuSample(
        wall=time.monotonic(),
        generator=time.process_time(),
        server=_tree_seconds(server_pid) if server_pid else 0.0,
        postgres=_postgres_seconds(),
        machine_busy=_machine_busy_seconds(),
    )
