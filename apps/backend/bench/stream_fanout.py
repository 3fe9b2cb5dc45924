"""``python -m bench.stream_fanout``: thousands of concurrent SSE clients on one API process: the server memory each
connection costs, and how long an SOS takes from ``POST /api/v1/alerts`` to the ``change`` event
(``alert.triggered``) on every stream that should carry it, and on no other.

The stack is the embedded mode on one machine: one ``sos serve`` process (one uvicorn worker, SQLite, the in-process
relay and stream fan-out) on a free 127.0.0.1 port, with a schema made from the models and its own two
organizations. The clients are:

- **staff** (coordinators) of the first organization, who should see every SOS;
- **reporters** of the first organization, who should see only their own;
- **outsiders**, staff of the second organization, who should see none.

The clients run in ``--client-processes`` processes (raw asyncio streams on uvloop, a few KiB each) and hold
``GET /api/v1/stream`` open with Bearer tokens the benchmark signs with the server's key. Once every stream has sent
``ready``, the server's resident memory is measured again. SOS are then raised by connected reporters at ``--rate``
per second, open loop: SOS ``i`` is due at ``t0 + i / rate`` and sent then. A delivery's latency runs from that due
time to the moment its client read the event. Every client also counts what it should not have seen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import queue
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from redis.asyncio import Redis
from sqlalchemy import insert

from bench.events_common import ROOT, Processes, free_port, machine, percentile, processes, write_signing_key
from sos.core.config import Settings
from sos.core.db import create_engine, utcnow
from sos.core.ids import new_id
from sos.core.security import TokenSigner, load_or_create_signing_key
from sos.models import metadata
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

BACKEND = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
DOC_MARKERS = {
    "memory": ("<!-- stream-bench:start -->", "<!-- stream-bench:end -->"),
    "redis": ("<!-- stream-bench-redis:start -->", "<!-- stream-bench-redis:end -->"),
}
STREAM_PATH = "/api/v1/stream"
TOKEN_TTL_SECONDS = 3600
WATCHED_TYPE = "alert.triggered"

STAFF, REPORTER, OUTSIDER = "staff", "reporter", "outsider"


@dataclass(frozen=True, slots=True)
class ClientSpec:
    index: int
    kind: str
    token: str


@dataclass(slots=True)
class ClientOutcome:
    index: int
    kind: str
    status: int = 0
    """The HTTP status of the stream, 0 when none came, -1 when the connection failed."""
    ready: bool = False
    ended_early: bool = False
    """The server ended the stream before the benchmark did."""
    seen: list[tuple[str, float]] = field(default_factory=list)
    """(alert id, wall-clock time read) of every ``alert.triggered`` change."""
    events: Counter[str] = field(default_factory=Counter)


class SseParser:
    """Incremental Server-Sent Events parsing: bytes in, (event name, data) out, lines ending in LF or CRLF."""

    def __init__(self) -> None:
        self._partial = b""
        self._event = "message"
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        dispatched = []
        for raw in lines:
            line = raw.removesuffix(b"\r")
            if not line:
                if self._data:
                    dispatched.append((self._event, b"\n".join(self._data)))
                self._event, self._data = "message", []
            elif line.startswith(b"event:"):
                self._event = line[6:].strip().decode()
            elif line.startswith(b"data:"):
                self._data.append(line[5:].removeprefix(b" "))
        return dispatched


async def _body_chunks(reader: asyncio.StreamReader, chunked: bool) -> AsyncIterator[bytes]:
    """The response body as it arrives, undoing chunked transfer encoding."""
    if not chunked:
        while data := await reader.read(65536):
            yield data
        return
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            return
        yield (await reader.readexactly(size + 2))[:-2]


async def _open_stream(
    host: str, port: int, token: str, outcome: ClientOutcome
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool] | None:
    """Sends the stream request and reads the response head; None when the answer is not a 200 stream."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        outcome.status = -1
        return None
    writer.write(
        f"GET {STREAM_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode()
    )
    try:
        status_line = await reader.readline()
        outcome.status = int(status_line.split()[1]) if status_line else -1
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip().lower()
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
        outcome.status = -1
        writer.close()
        return None
    if outcome.status != 200:
        writer.close()
        return None
    return reader, writer, headers.get("transfer-encoding") == "chunked"


async def run_client(
    host: str, port: int, spec: ClientSpec, gate: asyncio.Semaphore, settled: asyncio.Event, stop: asyncio.Event
) -> ClientOutcome:
    """One stream from connect to ``stop``; ``settled`` is set once it is ready or has failed."""
    outcome = ClientOutcome(spec.index, spec.kind)
    async with gate:
        opened = await _open_stream(host, port, spec.token, outcome)
        if opened is None:
            settled.set()
            return outcome
        reader, writer, chunked = opened
        parser = SseParser()
        chunks = _body_chunks(reader, chunked)
        try:
            while not outcome.ready:
                for name, _data in parser.feed(await anext(chunks)):
                    outcome.events[name] += 1
                    outcome.ready = outcome.ready or name == "ready"
        except (StopAsyncIteration, OSError, asyncio.IncompleteReadError, ValueError):
            outcome.ended_early = True
        finally:
            settled.set()
    if not outcome.ended_early:
        reading = asyncio.create_task(_read_until_closed(chunks, parser, outcome))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        outcome.ended_early = reading.done()
        reading.cancel()
        stopping.cancel()
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return outcome


async def _read_until_closed(chunks: AsyncIterator[bytes], parser: SseParser, outcome: ClientOutcome) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
        async for chunk in chunks:
            moment = time.time()
            for name, data in parser.feed(chunk):
                outcome.events[name] += 1
                if name == "change" and WATCHED_TYPE.encode() in data:
                    change = json.loads(data)
                    if change.get("type") == WATCHED_TYPE:
                        outcome.seen.append((str(change.get("alert_id") or change.get("aggregate_id")), moment))


def _raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def client_process(
    host: str,
    port: int,
    specs: list[ClientSpec],
    concurrency: int,
    reports: multiprocessing.Queue[Any],
    stop: EventType,
) -> None:
    """A client process: opens its streams, reports when all are settled, holds them until ``stop``, reports all."""
    _raise_fd_limit()

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)
        stopping = asyncio.Event()
        settled = [asyncio.Event() for _ in specs]
        started = time.monotonic()
        tasks = [
            asyncio.create_task(run_client(host, port, spec, gate, done, stopping))
            for spec, done in zip(specs, settled, strict=True)
        ]
        await asyncio.gather(*(done.wait() for done in settled))
        reports.put(("settled", time.monotonic() - started))
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        stopping.set()
        outcomes = await asyncio.gather(*tasks)
        reports.put(("outcomes", outcomes))

    uvloop.run(main())


# --- the server and its data ------------------------------------------------------------------------------------


async def _seed(settings: Settings, clients: int, staff_share: float, outsider_share: float) -> list[ClientSpec]:
    """Two organizations and one member per client, straight into the database; tokens signed with the server's key."""
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    signer = TokenSigner(load_or_create_signing_key(settings), settings)
    now = utcnow()
    organizations = [new_id(), new_id()]
    outsiders = round(clients * outsider_share)
    staff = round(clients * staff_share)
    kinds = [OUTSIDER] * outsiders + [STAFF] * staff + [REPORTER] * (clients - outsiders - staff)
    users, memberships, specs = [], [], []
    for index, kind in enumerate(kinds):
        user_id = new_id()
        organization_id = organizations[1] if kind == OUTSIDER else organizations[0]
        role = Role.REPORTER if kind == REPORTER else Role.COORDINATOR
        users.append({"id": user_id, "email": f"client{index}@bench.example", "full_name": f"Client {index}"})
        memberships.append(
            {
                "id": new_id(),
                "organization_id": organization_id,
                "user_id": user_id,
                "role": role,
                "status": MembershipStatus.ACTIVE,
                "version": 1,
            }
        )
        token = signer.issue(user_id=user_id, organization_id=organization_id, role=role.value, membership_version=1)
        specs.append(ClientSpec(index, kind, token))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Organization),
                [
                    {"id": org, "name": name, "slug": name.lower(), "timezone": "UTC", "created_at": now}
                    for org, name in zip(organizations, ("Bench", "Outsiders"), strict=True)
                ],
            )
            await connection.execute(insert(User), users)
            await connection.execute(insert(Membership), memberships)
    finally:
        await engine.dispose()
    return specs


def _server_rss(session: int) -> int:
    """Resident bytes of the API process and everything in its session."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != session:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


async def _wait_ready(http: aiohttp.ClientSession, base_url: str, children: Processes, name: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        children.check_alive()
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{base_url}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the API did not become ready within 90 s:\n{children.log_tail(name)}")


async def _warm_up(host: str, port: int, spec: ClientSpec) -> None:
    """One stream opened and closed, so the baseline memory already holds what the first stream loads."""
    stop = asyncio.Event()
    settled = asyncio.Event()
    task = asyncio.create_task(run_client(host, port, spec, asyncio.Semaphore(1), settled, stop))
    await asyncio.wait_for(settled.wait(), timeout=30)
    stop.set()
    outcome = await task
    if not outcome.ready:
        raise RuntimeError(f"the warm-up stream did not become ready: HTTP {outcome.status}, events {outcome.events}")


# --- the load ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Raised:
    due: float
    reporter: int
    status: int = 0
    alert_id: str = ""


async def _raise_one(http: aiohttp.ClientSession, url: str, token: str, raised: Raised) -> None:
    body = {"location": {"lat": 52.52, "lon": 13.405, "accuracy_m": 10.0}, "category": "medical", "severity": "high"}
    try:
        async with http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as response:
            raised.status = response.status
            if response.status == 201:
                raised.alert_id = str((await response.json())["id"])
    except (aiohttp.ClientError, OSError):
        raised.status = -1


async def _load(
    http: aiohttp.ClientSession, base_urls: Sequence[str], reporters: Sequence[ClientSpec], rate: float, duration: float
) -> tuple[list[Raised], float]:
    """Open loop at ``rate`` SOS/s, each raised by the next connected reporter through the next replica in turn;
    returns them and the worst lag."""
    loop = asyncio.get_running_loop()
    start_loop, start_wall = loop.time() + 0.1, time.time() + 0.1
    raised: list[Raised] = []
    tasks = []
    lag = 0.0
    for index in range(max(1, int(rate * duration))):
        delay = start_loop + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag = max(lag, -delay)
        reporter = reporters[index % len(reporters)]
        item = Raised(due=start_wall + index / rate, reporter=reporter.index)
        raised.append(item)
        url = f"{base_urls[index % len(base_urls)]}/api/v1/alerts"
        tasks.append(asyncio.create_task(_raise_one(http, url, reporter.token, item)))
    await asyncio.gather(*tasks)
    return raised, lag


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    clients: int
    kinds: Counter[str]
    ready: Counter[str]
    statuses: Counter[str]
    open_seconds: float
    rss_before: int
    rss_after: int
    raised: list[Raised]
    send_lag: float
    outcomes: list[ClientOutcome]
    api_cores: float
    latencies: list[float] = field(default_factory=list)
    alert_latencies: list[float] = field(default_factory=list)
    """Per SOS: until its last expected client had it."""
    expected: int = 0
    lost: int = 0
    unexpected: int = 0
    duplicates: int = 0


def _score(result: Result) -> None:
    """Who should have seen each accepted SOS (every ready staff client and its reporter), and who did."""
    ready = {outcome.index: outcome for outcome in result.outcomes if outcome.ready}
    staff = [index for index, outcome in ready.items() if outcome.kind == STAFF]
    raised = {item.alert_id: item for item in result.raised if item.alert_id}
    arrivals: dict[str, list[float]] = {alert_id: [] for alert_id in raised}
    for outcome in result.outcomes:
        counted: set[str] = set()
        for alert_id, moment in outcome.seen:
            item = raised.get(alert_id)
            if item is None or not (outcome.kind == STAFF or outcome.index == item.reporter):
                result.unexpected += 1
            elif alert_id in counted:
                result.duplicates += 1
            else:
                counted.add(alert_id)
                result.latencies.append(moment - item.due)
                arrivals[alert_id].append(moment - item.due)
    for alert_id, item in raised.items():
        expected = len(staff) + (1 if item.reporter in ready else 0)
        result.expected += expected
        result.lost += expected - len(arrivals[alert_id])
        result.alert_latencies.append(max(arrivals[alert_id]) if len(arrivals[alert_id]) == expected else math.inf)


async def _run(arguments: argparse.Namespace, work: Path) -> Result:
    hard = _raise_fd_limit()
    if hard < arguments.clients + 1000:
        raise SystemExit(f"the open-files limit ({hard}) is too low for {arguments.clients} clients")
    key_file = write_signing_key(work / "jwt-ed25519.pem")
    database_url = f"sqlite:///{work / 'sos.db'}"
    settings = Settings(
        database_url=database_url,
        data_dir=work,
        jwt_private_key_file=key_file,
        access_token_ttl_seconds=TOKEN_TTL_SECONDS,
    )
    every = await _seed(settings, arguments.clients + 1, arguments.staff_share, arguments.outsider_share)
    warm_up_spec = next(spec for spec in every if spec.kind == STAFF)
    specs = [spec for spec in every if spec is not warm_up_spec]
    host = "127.0.0.1"
    ports = [free_port() for _ in range(arguments.replicas)]
    base_urls = [f"http://{host}:{port}" for port in ports]
    env = {
        **os.environ,
        "SOS_ENVIRONMENT": "embedded",
        "SOS_DATABASE_URL": database_url,
        "SOS_DATA_DIR": str(work),
        "SOS_JWT_PRIVATE_KEY_FILE": str(key_file),
        "SOS_ACCESS_TOKEN_TTL_SECONDS": str(TOKEN_TTL_SECONDS),
        "SOS_STREAM_BACKEND": "redis" if arguments.redis_url else "memory",
        "SOS_REDIS_URL": arguments.redis_url or "",
        "SOS_LOG_LEVEL": "WARNING",
        "SOS_WEB_DIR": str(work / "no-web-console"),
    }
    context = multiprocessing.get_context("spawn")
    reports: multiprocessing.Queue[Any] = context.Queue()
    stop = context.Event()
    if arguments.redis_url:
        redis = Redis.from_url(arguments.redis_url)
        await redis.flushdb()
        await redis.aclose()
    names = [f"api-{number}" for number in range(1, arguments.replicas + 1)]
    sos = str(BACKEND / ".venv" / "bin" / "sos")
    with processes(work) as children:
        apis = [
            children.start(name, [sos, "serve", "--port", str(port)], env)
            for name, port in zip(names, ports, strict=True)
        ]
        connector = aiohttp.TCPConnector(limit=200, limit_per_host=0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
            for name, base_url in zip(names, base_urls, strict=True):
                await _wait_ready(http, base_url, children, name)
            for port in ports:
                await _warm_up(host, port, warm_up_spec)
            await asyncio.sleep(1)
            rss_before = sum(_server_rss(api.pid) for api in apis)
            shares = [specs[part :: arguments.client_processes] for part in range(arguments.client_processes)]
            # Client process i holds its streams on replica i modulo the replicas.
            workers = [
                context.Process(
                    target=client_process,
                    args=(host, ports[part % len(ports)], share, arguments.connect_concurrency, reports, stop),
                    daemon=True,
                )
                for part, share in enumerate(shares)
            ]
            for worker in workers:
                worker.start()
            try:
                open_seconds = 0.0
                for _ in workers:
                    _kind, seconds = await _report(reports, arguments.connect_timeout, children)
                    open_seconds = max(open_seconds, seconds)
                print(f"{len(specs)} streams settled in {open_seconds:.1f} s", flush=True)
                await asyncio.sleep(2)
                rss_after = sum(_server_rss(api.pid) for api in apis)
                cpu_before, started = _api_cpu_seconds(children, names), time.monotonic()
                reporters = [spec for spec in specs if spec.kind == REPORTER]
                raised, lag = await _load(http, base_urls, reporters, arguments.rate, arguments.duration)
                await asyncio.sleep(arguments.settle)
                api_cores = (_api_cpu_seconds(children, names) - cpu_before) / (time.monotonic() - started)
                stop.set()
                outcomes: list[ClientOutcome] = []
                for _ in workers:
                    _kind, part = await _report(reports, 120, children)
                    outcomes.extend(part)
            finally:
                stop.set()
                for worker in workers:
                    worker.join(timeout=30)
                    if worker.is_alive():
                        worker.kill()
    result = Result(
        clients=len(specs),
        kinds=Counter(spec.kind for spec in specs),
        ready=Counter(outcome.kind for outcome in outcomes if outcome.ready),
        statuses=Counter(str(outcome.status) for outcome in outcomes),
        open_seconds=open_seconds,
        rss_before=rss_before,
        rss_after=rss_after,
        raised=raised,
        send_lag=lag,
        outcomes=outcomes,
        api_cores=api_cores,
    )
    _score(result)
    return result


def _api_cpu_seconds(children: Processes, names: Sequence[str]) -> float:
    used = children.cpu_seconds()
    return sum(used.get(name, 0.0) for name in names)


async def _report(reports: multiprocessing.Queue[Any], seconds: float, children: Processes) -> tuple[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            report: tuple[str, Any] = reports.get_nowait()
            return report
        except queue.Empty:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"a client process did not report within {seconds:g} s")


# --- the report -------------------------------------------------------------------------------------------------


def _ms(values: list[float], fraction: float) -> str:
    value = percentile(sorted(values), fraction)
    return "-" if math.isnan(value) else ("never" if math.isinf(value) else f"{value * 1000:,.0f}")


def report(arguments: argparse.Namespace, result: Result, setup: str) -> str:
    accepted = sum(1 for item in result.raised if item.alert_id)
    ready = sum(result.ready.values())
    per_connection = (result.rss_after - result.rss_before) / max(1, ready)
    labels = {STAFF: "staff", REPORTER: "reporters", OUTSIDER: "outsiders"}
    mix = ", ".join(f"{result.kinds[kind]} {label} ({result.ready[kind]} ready)" for kind, label in labels.items())
    ended = sum(1 for outcome in result.outcomes if outcome.ready and outcome.ended_early)
    events = Counter[str]()
    for outcome in result.outcomes:
        events.update(outcome.events)
    rows = [
        f"| each delivery (client, SOS) | {len(result.latencies):,} | "
        + " | ".join(_ms(result.latencies, f) for f in (0.5, 0.95, 0.99, 1.0))
        + " |",
        f"| each SOS, to its last expected client | {len(result.alert_latencies):,} | "
        + " | ".join(_ms(result.alert_latencies, f) for f in (0.5, 0.95, 0.99, 1.0))
        + " |",
    ]
    fan_out = (
        f" --replicas {arguments.replicas} --client-processes {arguments.client_processes} "
        f"--redis-url {arguments.redis_url}"
        if arguments.redis_url
        else ""
    )
    title = (
        f"### SSE fan-out through Redis, {arguments.replicas} API replicas (`python -m bench.stream_fanout`)"
        if arguments.redis_url
        else "## Live stream\n\n### SSE fan-out (`python -m bench.stream_fanout`)"
    )
    lines = [
        title,
        "",
        f"Command: `cd apps/backend && .venv/bin/python -m bench.stream_fanout --clients {arguments.clients} "
        f"--staff-share {arguments.staff_share:g} --outsider-share {arguments.outsider_share:g} "
        f"--rate {arguments.rate:g} --duration {arguments.duration:g}{fan_out}`.",
        "",
        setup,
        "",
        f"- Streams: {result.clients:,} ({mix}); HTTP statuses {dict(result.statuses)}; all settled (ready or "
        f"refused) {result.open_seconds:.1f} s after the first connect; {ended} ended by the server during the run.",
        f"- Server memory (every API process): {result.rss_before / 2**20:,.0f} MiB resident before the streams, "
        f"{result.rss_after / 2**20:,.0f} MiB with them: **{per_connection / 1024:,.1f} KiB per connection**.",
        f"- Load: {len(result.raised)} SOS at {arguments.rate:g}/s, {accepted} accepted; the generator fell behind by "
        f"up to {result.send_lag * 1000:.0f} ms; the API processes used {result.api_cores:.2f} cores from the first "
        f"SOS to {arguments.settle:g} s after the last.",
        f"- Deliveries: {result.expected:,} expected (every ready staff stream and the raising reporter's, per SOS), "
        f"{len(result.latencies):,} seen, **{result.lost:,} lost, {result.unexpected:,} unexpected** (an SOS on a "
        f"stream that should not carry it), {result.duplicates:,} duplicates.",
        f"- Events read: {dict(sorted(events.items()))}.",
        "",
        "Latency from each SOS's scheduled send time (open loop) to the client reading its `change` event; an SOS "
        'whose last expected client never saw it counts as "never":',
        "",
        "| measured | count | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
    ]
    return "\n".join(lines)


def write_doc(body: str, markers: tuple[str, str], doc: Path = DOC) -> None:
    """Replaces the block between ``markers`` in docs/benchmarks.md, appending it when missing."""
    begin, end = markers
    content = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if begin not in content or end not in content:
        content = content.rstrip("\n") + f"\n\n{begin}\n{end}\n"
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{begin}\n{body.strip()}\n{end}{tail}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.stream_fanout", description=__doc__)
    parser.add_argument("--clients", type=int, default=5000, help="concurrent SSE clients")
    parser.add_argument("--staff-share", type=float, default=0.2, help="share of clients who see every SOS")
    parser.add_argument("--outsider-share", type=float, default=0.02, help="share of clients of another organization")
    parser.add_argument("--rate", type=float, default=2.0, help="SOS raised per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of SOS")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait for the last events")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the clients are spread over")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="streams each process opens at once")
    parser.add_argument("--connect-timeout", type=float, default=300.0, help="seconds for every stream to settle")
    parser.add_argument(
        "--redis-url", help="fan out through this Redis database (SOS_STREAM_BACKEND=redis); it is flushed first"
    )
    parser.add_argument("--replicas", type=int, default=1, help="API processes sharing the database and Redis")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    arguments = parser.parse_args()
    if arguments.clients < 10 or not 0 < arguments.staff_share + arguments.outsider_share < 1:
        parser.error("need at least 10 clients, and some staff and some reporters")
    if arguments.replicas > 1 and not arguments.redis_url:
        parser.error("more than one replica needs --redis-url")
    if arguments.client_processes % arguments.replicas:
        parser.error("--client-processes must be a multiple of --replicas, so every replica holds as many streams")
    return arguments


def main() -> None:
    arguments = _arguments()
    described_machine = machine()
    with tempfile.TemporaryDirectory(prefix="sos-stream-bench-") as directory:
        result = uvloop.run(_run(arguments, Path(directory)))
    servers = (
        f"{arguments.replicas} `sos serve` processes (one uvicorn worker each, uvloop and httptools) sharing one "
        "SQLite database, each with its in-process relay, and the stream fanned out through Redis "
        "(SOS_STREAM_BACKEND=redis: each change appended and published once, each process subscribed once). "
        "Client process i holds its streams on replica i modulo the replicas, and the SOS go to the replicas in "
        "turn, so most deliveries cross processes."
        if arguments.redis_url
        else "One `sos serve` process (one uvicorn worker, uvloop and httptools), embedded mode: SQLite, the "
        "in-process relay and stream fan-out (SOS_STREAM_BACKEND=memory)."
    )
    setup = (
        f"{servers} The clients hold raw HTTP/1.1 connections in "
        f"{arguments.client_processes} uvloop processes on the same machine, opening at most "
        f"{arguments.connect_concurrency} streams at once each. Machine: {described_machine}. "
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
    )
    section = report(arguments, result, setup)
    print(section)
    if not arguments.no_doc:
        write_doc(section, DOC_MARKERS["redis" if arguments.redis_url else "memory"])
        print("\nwrote docs/benchmarks.md", file=sys.stderr)


if __name__ == "__main__":
    main()
