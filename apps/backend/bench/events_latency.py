"""``python -m bench.events_latency``: end-to-end latency of the event backbone, from ``POST /api/v1/alerts`` to the
``alert.triggered`` event consumed, at a constant rate of SOS.

The stack is the production shape on one machine: a throwaway PostgreSQL database, a tansu broker, one API process
(``SOS_EVENT_BUS=kafka``), one ``sos relay`` process and one consumer process running every consumer as its own
consumer group. The generator is open-loop: SOS ``i`` is due at ``t0 + i / rate`` and is sent then, whether or not
earlier ones have answered.

An SOS's latency runs from its due time to the moment the timeline consumer applied its ``alert.triggered`` event:
the ``processed_at`` of the timeline's processed-message key, written in the consumer's own transaction. That is
the real consumer doing its real work (reading from Kafka, applying the event in the database), rather than a
reader added for the benchmark; all processes share this machine's clock. The time the broker acknowledged the
event (the outbox row's ``published_at``, set by the relay after the acknowledgement) is reported too, splitting the
path into "API + relay" and "Kafka + consumer".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.events_common import (
    Processes,
    free_port,
    machine,
    percentile,
    processes,
    start_tansu,
    throwaway_database,
    write_section,
    write_signing_key,
)
from bench.loadgen import API, create_bodies
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.events import OutboxEvent, ProcessedMessage
from sos.demo.accounts import create_admin_account

EMAIL = "bench@example.org"
TOPIC_PREFIX = "bench"
MEASURED_CONSUMER = "timeline"
BACKEND = Path(__file__).resolve().parents[1]


@dataclass(slots=True)
class Sent:
    due: float
    """Wall-clock (Unix) time the SOS was due to be sent."""
    status: int = 0
    answered: float = 0.0
    alert_id: UUID | None = None


@dataclass(slots=True)
class Outcome:
    rate: int = 0
    sent: list[Sent] = field(default_factory=list)
    published: dict[UUID, float] = field(default_factory=dict)
    consumed: dict[UUID, float] = field(default_factory=dict)
    max_send_lag: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.events_latency", description=__doc__)
    parser.add_argument("--rates", default="100,200", help="comma-separated SOS per second, one stage each")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per stage")
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between stages")
    parser.add_argument("--warmup", type=int, default=50, help="SOS raised (and waited for) before the measurement")
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn workers of the API process")
    parser.add_argument("--relay-poll-seconds", type=float, default=0.05, help="SOS_OUTBOX_POLL_SECONDS of the relay")
    parser.add_argument("--settle", type=float, default=120.0, help="seconds to wait for the last events")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    return parser.parse_args()


def _environment(database_url: str, bootstrap: str, work: Path, poll_seconds: float) -> dict[str, str]:
    return {
        **os.environ,
        "SOS_ENVIRONMENT": "production",
        "SOS_DATABASE_URL": database_url,
        "SOS_DATA_DIR": str(work),
        "SOS_JWT_PRIVATE_KEY_FILE": str(work / "jwt-ed25519.pem"),
        "SOS_LOG_LEVEL": "WARNING",
        "SOS_EVENT_BUS": "kafka",
        "SOS_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SOS_KAFKA_TOPIC_PREFIX": TOPIC_PREFIX,
        # tansu answers InitProducerId with an error; real Kafka runs the relay's producer idempotent.
        "SOS_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "SOS_OUTBOX_POLL_SECONDS": str(poll_seconds),
    }


def _consumer_command(python: str, sos: str) -> list[str]:
    """``sos consume`` when the CLI has it, else the same function called directly."""
    probe = shutil.which(sos)
    if probe is not None and _has_consume_command(sos):
        return [sos, "consume"]
    return [
        python,
        "-c",
        "import asyncio; from sos.core.config import Settings; from sos.core.kafka_consumer import run_consumers; "
        "asyncio.run(run_consumers(Settings()))",
    ]


def _has_consume_command(sos: str) -> bool:
    import subprocess

    result = subprocess.run([sos, "consume", "--help"], capture_output=True, check=False, timeout=60)  # noqa: S603
    return result.returncode == 0


async def _wait_ready(session: aiohttp.ClientSession, base_url: str, children: Processes) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            async with session.get(f"{base_url}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the API did not become ready within 90 s")


async def _token(session: aiohttp.ClientSession, base_url: str, password: str) -> str:
    form = {"grant_type": "password", "username": EMAIL, "password": password}
    async with session.post(f"{base_url}{API}/auth/token", data=form) as response:
        if response.status != 200:
            raise RuntimeError(f"login failed: HTTP {response.status} {await response.text()}")
        token: str = (await response.json())["access_token"]
        return token


async def _raise_one(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], body: bytes, sent: Sent
) -> None:
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            sent.status = response.status
            location = response.headers.get("Location", "")
    except (aiohttp.ClientError, OSError):
        sent.status = -1
        return
    sent.answered = time.time()
    if sent.status == 201 and location:
        sent.alert_id = UUID(location.rsplit("/", 1)[-1])


async def _load(
    session: aiohttp.ClientSession, base_url: str, token: str, rate: int, duration: float, outcome: Outcome
) -> None:
    url = f"{base_url}{API}/alerts"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = create_bodies(256, random.Random(20261130))
    loop = asyncio.get_running_loop()
    count = int(rate * duration)
    start_loop, start_wall = loop.time() + 0.1, time.time() + 0.1
    tasks = []
    for index in range(count):
        due = start_loop + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            outcome.max_send_lag = max(outcome.max_send_lag, -delay)
        sent = Sent(due=start_wall + index / rate)
        outcome.sent.append(sent)
        tasks.append(asyncio.create_task(_raise_one(session, url, headers, bodies[index % len(bodies)], sent)))
    await asyncio.gather(*tasks)


async def _consumed_times(engine: AsyncEngine, alert_ids: list[UUID]) -> tuple[dict[UUID, float], dict[UUID, float]]:
    """When the broker acknowledged each alert's ``alert.triggered`` event, and when the timeline applied it."""
    published: dict[UUID, float] = {}
    consumed: dict[UUID, float] = {}
    async with engine.connect() as connection:
        for start in range(0, len(alert_ids), 2000):
            chunk = alert_ids[start : start + 2000]
            rows = await connection.execute(
                select(OutboxEvent.aggregate_id, OutboxEvent.published_at, ProcessedMessage.processed_at)
                .outerjoin(
                    ProcessedMessage,
                    (ProcessedMessage.event_id == OutboxEvent.id) & (ProcessedMessage.consumer == MEASURED_CONSUMER),
                )
                .where(OutboxEvent.aggregate_id.in_(chunk), OutboxEvent.event_type == "alert.triggered")
            )
            for alert_id, published_at, processed_at in rows:
                if published_at is not None:
                    published[alert_id] = published_at.timestamp()
                if processed_at is not None:
                    consumed[alert_id] = processed_at.timestamp()
    return published, consumed


async def _wait_consumed(engine: AsyncEngine, alert_ids: list[UUID], seconds: float, children: Processes) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children.check_alive()
        _, consumed = await _consumed_times(engine, alert_ids)
        if len(consumed) >= len(alert_ids):
            return
        await asyncio.sleep(0.5)
    print(f"warning: not every event was consumed within {seconds:g} s", file=sys.stderr)


async def _pending_outbox(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
        return int(count or 0)


async def _stage(
    http: aiohttp.ClientSession,
    base_url: str,
    engine: AsyncEngine,
    children: Processes,
    arguments: argparse.Namespace,
    rate: int,
) -> Outcome:
    """One stage at ``rate``: the load, then waiting until its events are consumed, with each process's CPU use."""
    token = await _token(http, base_url, arguments.password)
    outcome = Outcome(rate=rate)
    cpu_before, started = children.cpu_seconds(), time.monotonic()
    cpu_before["load generator"] = time.process_time()
    await _load(http, base_url, token, rate, arguments.duration, outcome)
    cpu_after, elapsed = children.cpu_seconds(), time.monotonic() - started
    cpu_after["load generator"] = time.process_time()
    outcome.cores = {name: (cpu_after[name] - cpu_before[name]) / elapsed for name in cpu_after}
    accepted = [sent.alert_id for sent in outcome.sent if sent.alert_id is not None]
    await _wait_consumed(engine, accepted, arguments.settle, children)
    outcome.published, outcome.consumed = await _consumed_times(engine, accepted)
    children.check_alive()
    print(f"{rate} SOS/s: {len(accepted)}/{len(outcome.sent)} accepted, {len(outcome.consumed)} consumed", flush=True)
    return outcome


async def _run(arguments: argparse.Namespace, work: Path) -> tuple[list[Outcome], str]:
    python = str(BACKEND / ".venv" / "bin" / "python")
    sos = str(BACKEND / ".venv" / "bin" / "sos")
    described_machine = machine()
    password = arguments.password = f"bench-{os.urandom(12).hex()}"
    write_signing_key(work / "jwt-ed25519.pem")
    async with throwaway_database("events") as database_url:
        with processes(work) as children:
            bootstrap = start_tansu(children)
            env = _environment(database_url, bootstrap, work, arguments.relay_poll_seconds)
            settings = Settings(
                environment="production", database_url=database_url, jwt_private_key_file=work / "jwt-ed25519.pem"
            )
            await create_admin_account(settings, EMAIL, "Bench", "Bench", password)
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            children.start("api", [sos, "serve", "--port", str(port), "--workers", str(arguments.api_workers)], env)
            children.start("relay", [sos, "relay"], env)
            children.start("consumers", _consumer_command(python, sos), env)
            engine = create_engine(settings)
            connector = aiohttp.TCPConnector(limit=1000, limit_per_host=0)
            try:
                async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
                    await _wait_ready(http, base_url, children)
                    token = await _token(http, base_url, password)
                    warmup = Outcome()
                    await _load(http, base_url, token, min(arguments.warmup, 50), arguments.warmup / 50, warmup)
                    warm_ids = [sent.alert_id for sent in warmup.sent if sent.alert_id is not None]
                    await _wait_consumed(engine, warm_ids, 120, children)
                    print(f"warmed up: {len(warm_ids)} SOS consumed", flush=True)
                    outcomes = []
                    for rate in (int(rate) for rate in arguments.rates.split(",") if rate.strip()):
                        await asyncio.sleep(arguments.pause)
                        outcomes.append(await _stage(http, base_url, engine, children, arguments, rate))
                if pending := await _pending_outbox(engine):
                    print(f"warning: {pending} outbox events still unpublished", file=sys.stderr)
            finally:
                await engine.dispose()
            server_version = await _server_version(settings)
    setup = (
        f"PostgreSQL {server_version}, a tansu (in-memory) broker, one API process "
        f"(`sos serve --workers {arguments.api_workers}`, SOS_EVENT_BUS=kafka), one `sos relay` "
        f"(SOS_OUTBOX_POLL_SECONDS={arguments.relay_poll_seconds:g}, batch {Settings().outbox_batch_size}) and one "
        "consumer process (timeline, escalation, notifications and analytics, each its own consumer group), all on "
        f"127.0.0.1, with the load generator. Machine: {described_machine}. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
    )
    return outcomes, setup


async def _server_version(settings: Settings) -> str:
    from sqlalchemy import text

    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    return " | ".join(_ms(percentile(ordered, fraction)) for fraction in (0.50, 0.95, 0.99)) + (
        f" | {_ms(ordered[-1])}" if ordered else " | -"
    )


def _stage_rows(outcome: Outcome) -> list[str]:
    by_id = {sent.alert_id: sent for sent in outcome.sent if sent.alert_id is not None}
    answered = [sent.answered - sent.due for sent in outcome.sent if sent.status == 201]
    published = [outcome.published[key] - sent.due for key, sent in by_id.items() if key in outcome.published]
    consumed = [outcome.consumed[key] - sent.due for key, sent in by_id.items() if key in outcome.consumed]
    return [
        f"| {outcome.rate} | the API's 201 answer | {_percentiles(answered)} |",
        f"| {outcome.rate} | the broker's acknowledgement (outbox `published_at`) | {_percentiles(published)} |",
        f"| {outcome.rate} | **consumed** (the timeline consumer's transaction) | {_percentiles(consumed)} |",
    ]


def _stage_summary(outcome: Outcome, duration: float) -> str:
    failures = Counter("no answer" if sent.status == -1 else f"HTTP {sent.status}" for sent in outcome.sent)
    failures.pop("HTTP 201", None)
    kinds = ", ".join(f"{count} {kind}" for kind, count in failures.most_common())
    accepted = sum(1 for sent in outcome.sent if sent.status == 201)
    cores = ", ".join(f"{name} {used:.2f}" for name, used in outcome.cores.items())
    return (
        f"- {outcome.rate} SOS/s for {duration:g} s: {len(outcome.sent)} sent, {accepted} accepted (201), "
        f"{sum(failures.values())} failed{f' ({kinds})' if kinds else ''}, {len(outcome.consumed)} consumed; the "
        f"generator fell behind by up to {outcome.max_send_lag * 1000:.0f} ms. CPU in cores: {cores}."
    )


def report(arguments: argparse.Namespace, outcomes: list[Outcome], setup: str) -> str:
    lines = [
        "### End-to-end event latency (`python -m bench.events_latency`)",
        "",
        setup,
        "",
        "Latencies run from each SOS's scheduled send time (open loop) to the moment named; an SOS the API refused "
        "has none.",
        "",
        "| SOS/s | measured to | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---:|---|---:|---:|---:|---:|",
        *(row for outcome in outcomes for row in _stage_rows(outcome)),
        "",
        *(_stage_summary(outcome, arguments.duration) for outcome in outcomes),
        "",
        "CPU counts this stack's processes, the whole PostgreSQL server and the generator; anything else running on "
        "the machine is not counted.",
    ]
    return "\n".join(lines)


def main() -> None:
    arguments = _arguments()
    with tempfile.TemporaryDirectory(prefix="sos-events-bench-") as directory:
        work = Path(directory)
        try:
            outcomes, setup = asyncio.run(_run(arguments, work))
        finally:
            logs = BACKEND / "var" / "bench-events"
            logs.mkdir(parents=True, exist_ok=True)
            for log in work.glob("*.log"):
                shutil.copy(log, logs / log.name)
    section = report(arguments, outcomes, setup)
    print(section)
    if not arguments.no_doc:
        write_section("latency", section)
        print("\nwrote docs/benchmarks.md", file=sys.stderr)


if __name__ == "__main__":
    main()
