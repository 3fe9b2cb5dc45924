"""``python -m bench.relay_throughput``: how fast the outbox relay drains PostgreSQL to Kafka, in events per second.

Inserts N outbox rows (five events each for N/5 alerts, payloads the size of a real ``alert.triggered``) into a
throwaway PostgreSQL database, then times :class:`~sos.core.relay.OutboxRelay` with the Kafka publisher draining all
of them to a tansu broker: claim with ``FOR UPDATE SKIP LOCKED``, publish, wait for the broker's acknowledgement,
mark sent. The relays run in this process (the code ``sos relay`` runs), so process start-up is not timed; the topic
exists before the clock starts. Between runs the rows are marked unpublished again.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.events_common import machine, processes, start_tansu, throwaway_database, write_section
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.events import OutboxEvent
from sos.core.ids import new_id
from sos.core.kafka import KafkaPublisher
from sos.core.relay import OutboxRelay

EVENT_TYPES = ("alert.triggered", "alert.acknowledged", "alert.dispatched", "alert.on_scene", "alert.resolved")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.relay_throughput", description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="outbox rows to drain per run")
    parser.add_argument(
        "--runs", default="1x200,1x1000,2x200", help="comma-separated RELAYSxBATCH: relays at once and batch size"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a run may take before it is abandoned")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    return parser.parse_args()


def _rows(count: int, rng: random.Random) -> list[dict[str, Any]]:
    organization_id = new_id()
    start = datetime.now(UTC) - timedelta(hours=1)
    rows = []
    for index in range(count):
        if index % len(EVENT_TYPES) == 0:
            alert_id = new_id()
        event_type = EVENT_TYPES[index % len(EVENT_TYPES)]
        payload = {
            "alert_id": str(alert_id),
            "severity": "high",
            "category": "medical",
            "source": "app",
            "lat": round(52.52 + rng.uniform(-0.2, 0.2), 6),
            "lon": round(13.40 + rng.uniform(-0.3, 0.3), 6),
            "accuracy_m": rng.randint(5, 60),
            "note": "help, I am hurt",
        }
        rows.append(
            {
                "id": new_id(),
                "organization_id": organization_id,
                "aggregate_type": "alert",
                "aggregate_id": alert_id,
                "event_type": event_type,
                "schema_version": 1,
                "actor_id": None,
                "payload": payload,
                "occurred_at": start + timedelta(microseconds=index),
                "published_at": None,
                "lease_owner": None,
                "lease_until": None,
                "attempts": 0,
                "last_error": None,
            }
        )
    return rows


async def _fill(engine: AsyncEngine, count: int) -> None:
    rows = _rows(count, random.Random(20261130))
    async with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(OutboxEvent), rows[start : start + 5000])
        await connection.execute(text("ANALYZE outbox_events"))


async def _vacuum(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE outbox_events"))


async def _pending(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
        return int(count or 0)


async def _drain_with(
    engine: AsyncEngine, settings: Settings, relays: int, batch_size: int, limit_seconds: float
) -> float:
    publishers = [KafkaPublisher.from_settings(settings) for _ in range(relays)]
    for publisher in publishers:
        await publisher.start(["alert"])
    workers = [OutboxRelay(engine, publisher, batch_size=batch_size) for publisher in publishers]
    try:
        started = time.perf_counter()
        async with asyncio.timeout(limit_seconds):
            await asyncio.gather(*(worker.drain() for worker in workers))
        return time.perf_counter() - started
    finally:
        for publisher in publishers:
            await publisher.stop()


async def _run(arguments: argparse.Namespace, work: Path) -> tuple[list[tuple[int, int, float]], str]:
    runs = [tuple(int(part) for part in run.split("x")) for run in arguments.runs.split(",") if run.strip()]
    described_machine = machine()
    results: list[tuple[int, int, float]] = []
    async with throwaway_database("relay") as database_url:
        with processes(work) as children:
            bootstrap = start_tansu(children)
            settings = Settings(
                database_url=database_url,
                database_pool_size=10,
                kafka_bootstrap_servers=bootstrap,
                kafka_topic_prefix="bench",
                event_bus="kafka",
                # tansu, the broker available here, does not implement InitProducerId for idempotent producers.
                kafka_enable_idempotence=False,
            )
            engine = create_engine(settings)
            try:
                await _fill(engine, arguments.events)
                for index, (relays, batch_size) in enumerate(runs):
                    if index:
                        await _reset_rows(engine)
                    seconds = await _drain_with(engine, settings, relays, batch_size, arguments.timeout)
                    children.check_alive()
                    left = await _pending(engine)
                    if left:
                        raise RuntimeError(f"{left} events were left unpublished")
                    results.append((relays, batch_size, seconds))
                    print(
                        f"{relays} relay(s), batch {batch_size}: {arguments.events} events in {seconds:.2f} s = "
                        f"{arguments.events / seconds:,.0f} events/s",
                        flush=True,
                    )
                async with engine.connect() as connection:
                    version = str(await connection.scalar(text("SHOW server_version")))
            finally:
                await engine.dispose()
    setup = (
        f"{arguments.events:,} outbox rows ({arguments.events // len(EVENT_TYPES):,} alerts x {len(EVENT_TYPES)} "
        f"events) in PostgreSQL {version}, drained by `OutboxRelay` + the Kafka publisher (acks=all, not "
        f"idempotent: tansu does not serve InitProducerId) to a tansu (in-memory) broker, 6 partitions; relays in "
        f"one process, on 127.0.0.1. Machine: {described_machine}. Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
    )
    return results, setup


async def _reset_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxEvent).values(published_at=None, lease_owner=None, lease_until=None, attempts=0)
        )
    await _vacuum(engine)


def report(arguments: argparse.Namespace, results: list[tuple[int, int, float]], setup: str) -> str:
    lines = [
        "### Relay throughput (`python -m bench.relay_throughput`)",
        "",
        setup,
        "",
        "| relays at once | batch size | events | seconds | **events/s** |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {relays} | {batch} | {arguments.events:,} | {seconds:.2f} | **{arguments.events / seconds:,.0f}** |"
            for relays, batch, seconds in results
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    arguments = _arguments()
    with tempfile.TemporaryDirectory(prefix="sos-relay-bench-") as directory:
        results, setup = asyncio.run(_run(arguments, Path(directory)))
    section = report(arguments, results, setup)
    print(section)
    if not arguments.no_doc:
        write_section("relay", section)
        print("\nwrote docs/benchmarks.md", file=sys.stderr)


if __name__ == "__main__":
    main()
