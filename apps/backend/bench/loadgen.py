"""An open-loop, constant-rate load generator for the alerts API.

Request ``i`` of a stage is due at ``t0 + i / rate`` and is sent then, whether or not earlier requests have
answered. Its latency runs from that due time to the end of its response, so a slow server, a full connection
pool or a generator that falls behind all show up as latency instead of quietly lowering the rate.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import aiohttp

from bench.cpu import CpuSample, sample_cpu

API = "/api/v1"
TRANSITION_STEPS = ("acknowledge", "dispatch", "arrive", "resolve")


class Kind(StrEnum):
    CREATE = "create"
    LIST = "list"
    GET = "get"
    TRANSITION = "transition"


MIX: dict[Kind, float] = {Kind.CREATE: 0.20, Kind.LIST: 0.50, Kind.GET: 0.20, Kind.TRANSITION: 0.10}


@dataclass(frozen=True, slots=True)
class Stage:
    rate: int
    duration: float


@dataclass(slots=True)
class StageResult:
    rate: int
    duration: float
    sent: int = 0
    completed: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)
    max_send_lag: float = 0.0
    wall_seconds: float = 0.0
    cpu: CpuSample | None = None

    def fail(self, reason: str) -> None:
        self.errors += 1
        self.error_kinds[reason] = self.error_kinds.get(reason, 0) + 1


class Targets:
    """Alert ids to read, and alerts walking through acknowledge → dispatch → arrive → resolve.

    An alert's next step is only offered once its previous step has answered, so open-loop transitions do not
    race each other into 409s. Alerts raised during the run join the pool.
    """

    def __init__(self, alert_ids: Sequence[str], rng: random.Random) -> None:
        self._rng = rng
        self._known: list[str] = list(alert_ids)
        self._fresh: deque[str] = deque(alert_ids)
        self._ready: deque[tuple[str, int]] = deque()

    def any_alert(self) -> str:
        return self._known[self._rng.randrange(len(self._known))]

    def next_step(self) -> tuple[str, int] | None:
        if self._ready:
            return self._ready.popleft()
        if self._fresh:
            return self._fresh.popleft(), 0
        return None

    def raised(self, alert_id: str) -> None:
        self._known.append(alert_id)
        self._fresh.append(alert_id)

    def advanced(self, alert_id: str, step: int) -> None:
        if step + 1 < len(TRANSITION_STEPS):
            self._ready.append((alert_id, step + 1))


def create_bodies(count: int, rng: random.Random) -> list[bytes]:
    """Pre-built JSON bodies around Berlin, so the generator spends no time serialising."""
    bodies = []
    for _ in range(count):
        lat = 52.52 + rng.uniform(-0.2, 0.2)
        lon = 13.40 + rng.uniform(-0.3, 0.3)
        bodies.append(
            (
                f'{{"location":{{"lat":{lat:.6f},"lon":{lon:.6f},"accuracy_m":{rng.randint(5, 60)}}},'
                '"severity":"high","category":"medical","source":"app"}'
            ).encode()
        )
    return bodies


def parse_mix(text: str) -> dict[Kind, float]:
    """``create=20,list=50,get=20,transition=10`` (weights, not necessarily summing to 100)."""
    mix = {Kind(name.strip()): float(weight) for name, _, weight in (part.partition("=") for part in text.split(","))}
    if not mix or min(mix.values()) < 0 or sum(mix.values()) <= 0:
        raise ValueError(f"not a request mix: {text!r}")
    return mix


def schedule(count: int, rng: random.Random, mix: dict[Kind, float]) -> list[Kind]:
    kinds = list(mix)
    return rng.choices(kinds, weights=[mix[kind] for kind in kinds], k=count)


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


class LoadGenerator:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        targets: Targets,
        rng: random.Random,
        mix: dict[Kind, float] = MIX,
    ) -> None:
        self._mix = mix
        self._session = session
        self._base = base_url.rstrip("/") + API
        self._targets = targets
        self._rng = rng
        self._read_headers = {"Authorization": f"Bearer {token}"}
        self._write_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._bodies = create_bodies(256, rng)
        self._list_url = f"{self._base}/alerts?limit=20"
        self._create_url = f"{self._base}/alerts"

    async def _request(
        self,
        method: str,
        url: str,
        result: StageResult,
        kind: Kind,
        due: float,
        *,
        headers: dict[str, str],
        data: bytes | None = None,
    ) -> int:
        loop = asyncio.get_running_loop()
        try:
            async with self._session.request(method, url, headers=headers, data=data) as response:
                await response.read()
                status = response.status
                location = response.headers.get("Location", "")
        except (aiohttp.ClientError, OSError) as exc:
            result.completed += 1
            result.fail(type(exc).__name__)
            return 0
        elapsed = loop.time() - due
        result.completed += 1
        result.latencies.append(elapsed)
        result.by_kind.setdefault(kind.value, []).append(elapsed)
        if not 200 <= status < 300:
            result.fail(f"{kind.value} HTTP {status}")
        elif kind is Kind.CREATE and location:
            self._targets.raised(location.rsplit("/", 1)[-1])
        return status

    async def _one(self, kind: Kind, due: float, result: StageResult) -> None:
        if kind is Kind.LIST:
            await self._request("GET", self._list_url, result, kind, due, headers=self._read_headers)
        elif kind is Kind.GET:
            url = f"{self._base}/alerts/{self._targets.any_alert()}"
            await self._request("GET", url, result, kind, due, headers=self._read_headers)
        elif kind is Kind.CREATE:
            body = self._bodies[self._rng.randrange(len(self._bodies))]
            await self._request("POST", self._create_url, result, kind, due, headers=self._write_headers, data=body)
        else:
            step = self._targets.next_step()
            if step is None:
                result.completed += 1
                result.fail("transition not sent: no alert free to move on (raised alerts had not come back)")
                return
            alert_id, index = step
            url = f"{self._base}/alerts/{alert_id}/{TRANSITION_STEPS[index]}"
            status = await self._request("POST", url, result, kind, due, headers=self._read_headers)
            if 200 <= status < 300:
                self._targets.advanced(alert_id, index)

    async def run(self, stage: Stage, *, drain_seconds: float, server_pid: int | None) -> StageResult:
        loop = asyncio.get_running_loop()
        count = int(stage.rate * stage.duration)
        kinds = schedule(count, self._rng, self._mix)
        result = StageResult(rate=stage.rate, duration=stage.duration)
        pending: set[asyncio.Task[None]] = set()
        before = sample_cpu(server_pid)
        started = time.perf_counter()
        t0 = loop.time() + 0.05
        interval = 1.0 / stage.rate
        for i, kind in enumerate(kinds):
            due = t0 + i * interval
            lag = loop.time() - due
            if lag < 0:
                await asyncio.sleep(-lag)
            else:
                result.max_send_lag = max(result.max_send_lag, lag)
            task = loop.create_task(self._one(kind, due, result))
            pending.add(task)
            task.add_done_callback(pending.discard)
            result.sent += 1
        if pending:
            _done, late = await asyncio.wait(set(pending), timeout=drain_seconds)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
                for _ in late:
                    result.fail(f"no answer within {drain_seconds:g} s of the stage's end")
        result.wall_seconds = time.perf_counter() - started
        result.cpu = sample_cpu(server_pid) - before
        return result
