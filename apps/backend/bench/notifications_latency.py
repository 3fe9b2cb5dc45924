"""``python -m bench.notifications_latency``: how long a page takes, from ``POST /api/v1/alerts`` to the Web Push
request leaving the platform, at a constant rate of SOS with five responders paged for each.

The stack is the production shape on one machine, all on 127.0.0.1: a throwaway PostgreSQL database, a tansu broker,
one API process (``SOS_EVENT_BUS=kafka``, ``SOS_JOB_RUNNER=celery``, the escalation scheduler in process), one ``sos
relay``, ``sos consume`` (one process, or two with ``--split-consumers``) and Celery ``sos worker`` processes on a
dedicated Redis database, plus a push sink standing in for the browsers' push service. Each responder has one
verified Web Push subscription (a real P-256 key pair and auth secret) pointing at the sink, and the organization's
default escalation policy pages all five in its first tier. So every SOS goes: API → outbox → relay → Kafka →
escalation consumer (starts the escalation, due now) → scheduler (tier 0: ``alert.escalated``) → outbox → relay →
Kafka → notifications consumer (in-app and Web Push pages, Celery jobs) → worker (claim, aes128gcm encryption, VAPID
signature, HTTP POST) → sink.

A delivery's latency runs from its SOS's scheduled send time (open loop, as in ``bench.events_latency``) to the
wall-clock time the sink received the push. Every stage runs on a fresh stack, so one stage's backlog never spills
into the next.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import aiohttp
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.events_common import (
    ROOT,
    Processes,
    free_port,
    machine,
    percentile,
    processes,
    start_tansu,
    throwaway_database,
    write_signing_key,
)
from bench.events_latency import EMAIL, Outcome, Sent, _load, _server_version, _token, _wait_ready
from sos.contacts.domain import address_key, masked_secret_address
from sos.contacts.models import ContactMethod
from sos.core.config import Settings
from sos.core.db import create_engine, utcnow
from sos.core.events import OutboxEvent, ProcessedMessage
from sos.core.ids import new_id
from sos.demo.accounts import create_admin_account
from sos.escalation.domain import TargetKind
from sos.escalation.models import EscalationPolicy, EscalationTarget, EscalationTier
from sos.notifications.consumer import JOB_SIZE
from sos.notifications.domain import NotificationChannel
from sos.notifications.models import Notification, NotificationAttempt
from sos.organizations.models import Organization
from sos.providers.secrets import SecretBox
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

BACKEND = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
DOC_BEGIN = "<!-- notifications-bench:start -->"
DOC_END = "<!-- notifications-bench:end -->"
TOPIC_PREFIX = "bench"
PAGING_CONSUMERS = ("escalation", "notifications")
OTHER_CONSUMERS = ("timeline", "dispatch", "analytics")
CELERY_QUEUE_KEY = "sos:notifications"
"""The Redis list of the notifications queue (Celery's key prefix is ``sos:``)."""


def _b64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Responder:
    name: str
    user_id: UUID
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64url(point)


@dataclass(slots=True)
class StageResult:
    rate: int
    outcome: Outcome = field(default_factory=Outcome)
    responders: int = 0
    arrivals: dict[tuple[str, str], float] = field(default_factory=dict)
    """First arrival at the sink by (alert id hex, responder)."""
    duplicates: int = 0
    milestones: list[dict[str, float]] = field(default_factory=list)
    """Per SOS, by alert id hex: when each of :data:`MILESTONES` happened."""
    pages: list[list[tuple[str, float]]] = field(default_factory=list)
    """Per Web Push page, as (alert id hex, moment): when each of :data:`PAGE_STEPS` happened."""
    """When the notifications consumer created each Web Push page, by (alert id hex, user id)."""
    user_names: dict[UUID, str] = field(default_factory=dict)
    drain_seconds: float = math.nan
    """From the end of the load to the last push's arrival."""
    max_queue: int = 0
    valid: int = 0
    invalid: int = 0
    cores: dict[str, float] = field(default_factory=dict)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications_latency", description=__doc__)
    parser.add_argument("--rates", default="10,50,100,200", help="comma-separated SOS per second, one stage each")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per stage")
    parser.add_argument("--warmup", type=int, default=20, help="SOS raised (and delivered) before each stage")
    parser.add_argument("--responders", type=int, default=5, help="responders paged per SOS")
    parser.add_argument("--workers", type=int, default=4, help="`sos worker` processes")
    parser.add_argument("--concurrency", type=int, default=2, help="prefork children of each worker")
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn workers of the API process")
    parser.add_argument("--relay-poll-seconds", type=float, default=0.05, help="SOS_OUTBOX_POLL_SECONDS of the relay")
    parser.add_argument(
        "--scheduler-poll-seconds", type=float, default=1.0, help="SOS_SCHEDULER_POLL_SECONDS (the shipped default)"
    )
    parser.add_argument(
        "--split-consumers",
        action="store_true",
        help="run the paging path's consumers (escalation, notifications) in a `sos consume` process of their own",
    )
    parser.add_argument("--settle", type=float, default=60.0, help="seconds to wait for the last pushes")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="a Redis database of its own")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    return parser.parse_args()


def _environment(arguments: argparse.Namespace, database_url: str, bootstrap: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(BACKEND),
        "SOS_ENVIRONMENT": "production",
        "SOS_DATABASE_URL": database_url,
        "SOS_DATA_DIR": str(work),
        "SOS_JWT_PRIVATE_KEY_FILE": str(work / "jwt-ed25519.pem"),
        "SOS_SECRETS_KEY": arguments.secrets_key,
        "SOS_PUBLIC_URL": arguments.base_url,
        "SOS_LOG_LEVEL": "WARNING",
        "SOS_EVENT_BUS": "kafka",
        "SOS_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SOS_KAFKA_TOPIC_PREFIX": TOPIC_PREFIX,
        # tansu answers InitProducerId with an error; real Kafka runs the relay's producer idempotent.
        "SOS_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "SOS_OUTBOX_POLL_SECONDS": str(arguments.relay_poll_seconds),
        "SOS_SCHEDULER_POLL_SECONDS": str(arguments.scheduler_poll_seconds),
        "SOS_JOB_RUNNER": "celery",
        "SOS_REDIS_URL": arguments.redis_url,
        # The push sink stands in for the push service on this machine, which production's egress guard refuses.
        "SOS_EGRESS_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
    }


async def _setup(settings: Settings, sink_url: str, count: int) -> list[Responder]:
    """Responders with one verified Web Push subscription each, and a default policy paging them all at once."""
    box = SecretBox(settings.secrets_key.get_secret_value().encode() if settings.secrets_key else b"")
    engine = create_engine(settings)
    now = utcnow()
    responders = []
    try:
        async with engine.begin() as connection:
            org_id = await connection.scalar(select(Organization.id))
            for index in range(count):
                user_id = new_id()
                name = f"r{index}"
                responder = Responder(
                    name, user_id, f"{sink_url}/push/{name}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
                )
                responders.append(responder)
                await connection.execute(
                    insert(User).values(
                        id=user_id, email=f"responder{index}@bench.example", full_name=f"Responder {index}"
                    )
                )
                await connection.execute(
                    insert(Membership).values(
                        organization_id=org_id, user_id=user_id, role=Role.RESPONDER, status=MembershipStatus.ACTIVE
                    )
                )
                keys = {"p256dh": responder.p256dh, "auth": _b64url(responder.auth_secret)}
                await connection.execute(
                    insert(ContactMethod).values(
                        organization_id=org_id,
                        user_id=user_id,
                        channel=NotificationChannel.WEB_PUSH,
                        label="Bench browser",
                        address=masked_secret_address(NotificationChannel.WEB_PUSH, responder.endpoint),
                        address_key=address_key(responder.endpoint),
                        secret=box.seal({"address": responder.endpoint, "keys": keys}),
                        verified_at=now,
                    )
                )
            policy_id, tier_id = new_id(), new_id()
            await connection.execute(
                insert(EscalationPolicy).values(
                    id=policy_id, organization_id=org_id, name="Bench", repeat_count=0, is_default=True
                )
            )
            await connection.execute(
                insert(EscalationTier).values(id=tier_id, policy_id=policy_id, position=0, delay_minutes=60)
            )
            await connection.execute(
                insert(EscalationTarget),
                [
                    {"tier_id": tier_id, "position": index, "kind": TargetKind.USER, "user_id": responder.user_id}
                    for index, responder in enumerate(responders)
                ],
            )
    finally:
        await engine.dispose()
    return responders


def _write_keys(path: Path, responders: list[Responder]) -> None:
    keys = {
        responder.name: {
            "private": _b64url(responder.private_key.private_numbers().private_value.to_bytes(32, "big")),
            "auth": _b64url(responder.auth_secret),
        }
        for responder in responders
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)


async def _sink_stats(http: aiohttp.ClientSession, sink_url: str, *, write: bool = False) -> dict[str, int]:
    async with http.get(f"{sink_url}/stats", params={"write": "1"} if write else None) as response:
        stats: dict[str, int] = await response.json()
        return stats


async def _wait_sink(http: aiohttp.ClientSession, sink_url: str, children: Processes) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            await _sink_stats(http, sink_url)
            return
        except aiohttp.ClientError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the push sink did not start within 30 s")


async def _wait_pushes(
    http: aiohttp.ClientSession, sink_url: str, expected: int, seconds: float, children: Processes
) -> float | None:
    """Waits until the sink has ``expected`` pushes; returns when (wall clock) it saw them, or None on timeout."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children.check_alive()
        if (await _sink_stats(http, sink_url))["received"] >= expected:
            return time.time()
        await asyncio.sleep(0.25)
    return None


async def _watch_queue(redis: Redis, result: StageResult, stop: asyncio.Event) -> None:
    while not stop.is_set():
        result.max_queue = max(result.max_queue, int(await redis.llen(CELERY_QUEUE_KEY)))
        await asyncio.sleep(0.5)


def _accepted(outcome: Outcome) -> list[UUID]:
    return [sent.alert_id for sent in outcome.sent if sent.alert_id is not None]


def _read_arrivals(path: Path, wanted: set[str], result: StageResult) -> None:
    for line in path.read_text().splitlines():
        arrived, responder, topic = line.split("\t")
        if topic not in wanted:
            continue
        key = (topic, responder)
        if key in result.arrivals:
            result.duplicates += 1
            result.arrivals[key] = min(result.arrivals[key], float(arrived))
        else:
            result.arrivals[key] = float(arrived)


RELAY = "relay"
MILESTONES = (
    ("alert.triggered", "escalation", "the escalation started (escalation consumer)"),
    ("alert.escalated", None, "tier 0 run: `alert.escalated` written (scheduler)"),
    ("alert.escalated", RELAY, "`alert.escalated` published to the broker (relay)"),
    ("alert.escalated", "notifications", "`alert.escalated` consumed (notifications consumer)"),
)
"""Per SOS: an event of the alert and, when named, the consumer whose transaction applied it, or :data:`RELAY` for
when the relay published it (else its ``occurred_at``)."""


async def _milestones(engine: AsyncEngine, alert_ids: list[UUID]) -> list[dict[str, float]]:
    found: list[dict[str, float]] = [{} for _ in MILESTONES]
    async with engine.connect() as connection:
        for index, (event_type, consumer, _label) in enumerate(MILESTONES):
            if consumer is None:
                query = select(OutboxEvent.aggregate_id, OutboxEvent.occurred_at)
            elif consumer == RELAY:
                query = select(OutboxEvent.aggregate_id, OutboxEvent.published_at)
            else:
                query = select(OutboxEvent.aggregate_id, ProcessedMessage.processed_at).join(
                    ProcessedMessage,
                    (ProcessedMessage.event_id == OutboxEvent.id) & (ProcessedMessage.consumer == consumer),
                )
            query = query.where(OutboxEvent.event_type == event_type)
            for start in range(0, len(alert_ids), 2000):
                rows = await connection.execute(
                    query.where(OutboxEvent.aggregate_id.in_(alert_ids[start : start + 2000]))
                )
                for alert_id, at in rows:
                    if at is not None:
                        found[index][alert_id.hex] = _timestamp(at)
    return found


def _timestamp(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


PAGE_STEPS = (
    "Web Push pages created (the notifications consumer)",
    "a worker's first send attempt started (job dequeued and claimed)",
)


async def _page_times(engine: AsyncEngine, alert_ids: list[UUID]) -> list[list[tuple[str, float]]]:
    """Per Web Push page, as (alert id hex, moment): when it was created, and when its first attempt started."""
    found: list[list[tuple[str, float]]] = [[] for _ in PAGE_STEPS]
    first_attempt = (
        select(func.min(NotificationAttempt.started_at))
        .where(NotificationAttempt.notification_id == Notification.id)
        .scalar_subquery()
    )
    async with engine.connect() as connection:
        for start in range(0, len(alert_ids), 2000):
            rows = await connection.execute(
                select(Notification.alert_id, Notification.created_at, first_attempt).where(
                    Notification.alert_id.in_(alert_ids[start : start + 2000]),
                    Notification.channel == NotificationChannel.WEB_PUSH,
                )
            )
            for alert_id, created_at, attempted_at in rows:
                if alert_id is None:
                    continue
                found[0].append((alert_id.hex, _timestamp(created_at)))
                if attempted_at is not None:
                    found[1].append((alert_id.hex, _timestamp(attempted_at)))
    return found


async def _measure(
    http: aiohttp.ClientSession,
    arguments: argparse.Namespace,
    children: Processes,
    redis: Redis,
    result: StageResult,
    sink_url: str,
) -> None:
    """Warm up, run the load, wait for its pushes; records CPU from the first SOS until the last push arrived."""
    base_url = arguments.base_url
    token = await _token(http, base_url, arguments.password)
    warmup = Outcome()
    await _load(http, base_url, token, 10, arguments.warmup / 10, warmup)
    warm = len(_accepted(warmup)) * result.responders
    if await _wait_pushes(http, sink_url, warm, 120, children) is None:
        raise RuntimeError(f"the warm-up pushes did not arrive:\n{children.log_tail('consumers')}")
    print(f"{result.rate} SOS/s: warmed up ({warm} pushes)", flush=True)
    await asyncio.sleep(2)
    token = await _token(http, base_url, arguments.password)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch_queue(redis, result, stop))
    cpu_before, started = children.cpu_seconds(), time.monotonic()
    cpu_before["load generator"] = time.process_time()
    await _load(http, base_url, token, result.rate, arguments.duration, result.outcome)
    load_end = time.time()
    expected = warm + len(_accepted(result.outcome)) * result.responders
    done = await _wait_pushes(http, sink_url, expected, arguments.settle, children)
    cpu_after, elapsed = children.cpu_seconds(), time.monotonic() - started
    cpu_after["load generator"] = time.process_time()
    stop.set()
    await watcher
    result.cores = {name: (cpu_after[name] - cpu_before[name]) / elapsed for name in cpu_after}
    if done is not None:
        result.drain_seconds = done - load_end


async def _stage(arguments: argparse.Namespace, rate: int, work: Path) -> StageResult:
    python = str(BACKEND / ".venv" / "bin" / "python")
    sos = str(BACKEND / ".venv" / "bin" / "sos")
    result = StageResult(rate=rate, responders=arguments.responders)
    arguments.password = f"bench-{os.urandom(12).hex()}"
    arguments.secrets_key = Fernet.generate_key().decode()
    write_signing_key(work / "jwt-ed25519.pem")
    redis = Redis.from_url(arguments.redis_url)
    await redis.flushdb()
    try:
        async with throwaway_database("notify") as database_url:
            with processes(work) as children:
                bootstrap = start_tansu(children)
                port, sink_port = free_port(), free_port()
                arguments.base_url = f"http://127.0.0.1:{port}"
                sink_url = f"http://127.0.0.1:{sink_port}"
                env = _environment(arguments, database_url, bootstrap, work)
                settings = Settings(
                    environment="production",
                    database_url=database_url,
                    jwt_private_key_file=work / "jwt-ed25519.pem",
                    secrets_key=SecretStr(arguments.secrets_key),
                )
                await create_admin_account(settings, EMAIL, "Bench", "Bench", arguments.password)
                responders = await _setup(settings, sink_url, arguments.responders)
                result.user_names = {responder.user_id: responder.name for responder in responders}
                _write_keys(work / "subscribers.json", responders)
                sink = [python, "-m", "bench.push_sink", "--port", str(sink_port), "--out", str(work / "arrivals.tsv")]
                children.start("push-sink", [*sink, "--keys", str(work / "subscribers.json")], env)
                children.start("api", [sos, "serve", "--port", str(port), "--workers", str(arguments.api_workers)], env)
                children.start("relay", [sos, "relay"], env)
                if arguments.split_consumers:
                    paging = [f"--consumer={name}" for name in PAGING_CONSUMERS]
                    others = [f"--consumer={name}" for name in OTHER_CONSUMERS]
                    children.start("consumers", [sos, "consume", *others], env)
                    children.start("paging-consumers", [sos, "consume", *paging], env)
                else:
                    children.start("consumers", [sos, "consume"], env)
                worker = [sos, "worker", "--queue", "notifications", "--concurrency", str(arguments.concurrency)]
                for index in range(arguments.workers):
                    children.start(f"worker-{index}", worker, env)
                engine = create_engine(settings)
                connector = aiohttp.TCPConnector(limit=1000, limit_per_host=0)
                try:
                    timeout = aiohttp.ClientTimeout(total=60)
                    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
                        await _wait_ready(http, arguments.base_url, children)
                        await _wait_sink(http, sink_url, children)
                        await _measure(http, arguments, children, redis, result, sink_url)
                        stats = await _sink_stats(http, sink_url, write=True)
                        result.valid, result.invalid = stats["valid"], stats["invalid"]
                    accepted = _accepted(result.outcome)
                    _read_arrivals(work / "arrivals.tsv", {alert_id.hex for alert_id in accepted}, result)
                    result.pages = await _page_times(engine, accepted)
                    result.milestones = await _milestones(engine, accepted)
                finally:
                    await engine.dispose()
                arguments.server_version = await _server_version(settings)
    finally:
        await redis.flushdb()
        await redis.aclose()
    print(
        f"{rate} SOS/s: {len(_accepted(result.outcome))}/{len(result.outcome.sent)} accepted, "
        f"{len(result.arrivals)} pushes arrived",
        flush=True,
    )
    return result


def _ms(seconds: float) -> str:
    return "not arrived" if math.isinf(seconds) else f"{seconds * 1000:,.0f}"


def _percentiles(values: list[float], missing: int = 0) -> str:
    """p50, p95, p99 and max; what never arrived counts as infinitely late."""
    ordered = sorted(values) + [math.inf] * missing
    if not ordered:
        return "- | - | - | -"
    return " | ".join(_ms(percentile(ordered, fraction)) for fraction in (0.50, 0.95, 0.99, 1.0))


def _since_due(found: Iterable[tuple[str, float]], sent: dict[str, Sent]) -> list[float]:
    return [at - sent[alert].due for alert, at in found if alert in sent]


def _late(values: list[float], expected: int) -> str:
    return _percentiles(values, max(0, expected - len(values)))


def _stage_rows(result: StageResult) -> list[str]:
    sent = {alert_id.hex: item for item in result.outcome.sent if (alert_id := item.alert_id) is not None}
    answered = [item.answered - item.due for item in result.outcome.sent if item.status == 201]
    rate = result.rate
    expected = len(sent) * result.responders
    pages = [
        f"| {rate} | {label} | {_late(_since_due(found, sent), expected)} |"
        for label, found in zip(PAGE_STEPS, result.pages, strict=True)
    ]
    arrived = [moment - sent[alert].due for (alert, _name), moment in result.arrivals.items() if alert in sent]
    steps = [
        f"| {rate} | {label} | {_late(_since_due(found.items(), sent), len(sent))} |"
        for (_type, _consumer, label), found in zip(MILESTONES, result.milestones, strict=True)
    ]
    return [
        f"| {rate} | the API's 201 answer (per SOS) | {_percentiles(answered)} |",
        *steps,
        *pages,
        f"| {rate} | **push received by the push service** | {_late(arrived, expected)} |",
    ]


def _stage_summary(result: StageResult, arguments: argparse.Namespace) -> str:
    outcome = result.outcome
    failures = Counter("no answer" if sent.status == -1 else f"HTTP {sent.status}" for sent in outcome.sent)
    failures.pop("HTTP 201", None)
    kinds = ", ".join(f"{count} {kind}" for kind, count in failures.most_common())
    accepted = len(_accepted(outcome))
    expected = accepted * result.responders
    drained = (
        f"the last arrived {result.drain_seconds:.1f} s after the load ended"
        if not math.isnan(result.drain_seconds)
        else f"{expected - len(result.arrivals)} had not arrived {arguments.settle:g} s after the load ended"
    )
    cores = ", ".join(f"{name} {used:.2f}" for name, used in sorted(result.cores.items(), key=lambda item: -item[1]))
    return (
        f"- {result.rate} SOS/s for {arguments.duration:g} s: {len(outcome.sent)} SOS sent, {accepted} accepted, "
        f"{sum(failures.values())} failed{f' ({kinds})' if kinds else ''}; {len(result.arrivals)} of {expected} "
        f"pushes arrived ({result.duplicates} duplicates), {drained}; the Celery notifications queue peaked at "
        f"{result.max_queue} jobs; {result.valid} sampled pushes decrypted and matched their alert "
        f"({result.invalid} did not); the generator fell behind by up to {outcome.max_send_lag * 1000:.0f} ms. "
        f"CPU in cores, from the first SOS to the last push: {cores}."
    )


def report(arguments: argparse.Namespace, results: list[StageResult], setup: str) -> str:
    lines = [
        "## Notifications",
        "",
        "### Page latency, SOS to push (`python -m bench.notifications_latency`)",
        "",
        f"Command: `cd apps/backend && .venv/bin/python -m bench.notifications_latency --rates {arguments.rates} "
        f"--duration {arguments.duration:g} --settle {arguments.settle:g} --workers {arguments.workers} "
        f"--concurrency {arguments.concurrency}{' --split-consumers' if arguments.split_consumers else ''}`.",
        "",
        setup,
        "",
        "Latencies run from each SOS's scheduled send time (open loop) to the moment named; the page rows count "
        f"every (SOS, responder) pair, {arguments.responders} per accepted SOS, and a step that had not happened when "
        'the wait ended counts as infinitely late ("not arrived"). Each stage runs on a fresh stack after a short '
        "warm-up.",
        "",
        "| SOS/s | measured to | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---:|---|---:|---:|---:|---:|",
        *(row for result in results for row in _stage_rows(result)),
        "",
        *(_stage_summary(result, arguments) for result in results),
        "",
        "CPU counts this stack's processes (each with its children), the whole PostgreSQL server and the generator; "
        "anything else running on the machine is not counted.",
    ]
    return "\n".join(lines)


def write_doc(body: str, doc: Path = DOC) -> None:
    """Replaces the ``notifications-bench`` block of docs/benchmarks.md, appending it when missing."""
    content = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if DOC_BEGIN not in content or DOC_END not in content:
        content = content.rstrip("\n") + f"\n\n{DOC_BEGIN}\n{DOC_END}\n"
    head, rest = content.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(f"{head}{DOC_BEGIN}\n{body.strip()}\n{DOC_END}{tail}")


async def _run(arguments: argparse.Namespace, work: Path) -> tuple[list[StageResult], str]:
    described_machine = machine()
    # SIGTERM (and SIGINT, which a background job ignores) cancel the run, so every process and database is cleaned up.
    main_task = asyncio.current_task()
    assert main_task is not None  # noqa: S101 - always inside asyncio.run
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, main_task.cancel)
    results = []
    for rate in (int(rate) for rate in arguments.rates.split(",") if rate.strip()):
        stage_dir = work / str(rate)
        stage_dir.mkdir()
        results.append(await _stage(arguments, rate, stage_dir))
    consumers = (
        f"two `sos consume` processes (one for {' and '.join(PAGING_CONSUMERS)}, one for {', '.join(OTHER_CONSUMERS)})"
        if arguments.split_consumers
        else "one `sos consume` (every consumer)"
    )
    setup = (
        f"PostgreSQL {arguments.server_version}, a tansu (in-memory) broker, one API process "
        f"(`sos serve --workers {arguments.api_workers}`, SOS_EVENT_BUS=kafka, SOS_JOB_RUNNER=celery, the "
        f"escalation scheduler in process with SOS_SCHEDULER_POLL_SECONDS={arguments.scheduler_poll_seconds:g}), "
        f"one `sos relay` (SOS_OUTBOX_POLL_SECONDS={arguments.relay_poll_seconds:g}), {consumers}, "
        f"{arguments.workers} `sos worker --queue notifications --concurrency {arguments.concurrency}` "
        "on Redis, and a push sink (aiohttp, answers 201) standing in for the push service, all on 127.0.0.1 with "
        f"the load generator. {arguments.responders} responders, each with one verified Web Push subscription, are "
        "the first tier of the default escalation policy, so each SOS makes "
        f"{arguments.responders} in-app and {arguments.responders} Web Push notifications, sent by Celery jobs "
        f"of up to {JOB_SIZE}; "
        "pushes are encrypted (aes128gcm) and VAPID-signed for real. "
        f"Machine: {described_machine}. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
    )
    return results, setup


def main() -> None:
    arguments = _arguments()
    with tempfile.TemporaryDirectory(prefix="sos-notify-bench-") as directory:
        work = Path(directory)
        try:
            results, setup = asyncio.run(_run(arguments, work))
        finally:
            logs = BACKEND / "var" / "bench-notifications"
            logs.mkdir(parents=True, exist_ok=True)
            for log in work.glob("*/*.log"):
                shutil.copy(log, logs / f"{log.parent.name}-{log.name}")
    section = report(arguments, results, setup)
    print(section)
    if not arguments.no_doc:
        write_doc(section)
        print("\nwrote docs/benchmarks.md", file=sys.stderr)


if __name__ == "__main__":
    main()
