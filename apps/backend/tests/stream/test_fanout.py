"""The Redis fan-out inside one test process: hubs standing in for API replicas, each with its own subscription."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest

from sos.stream.domain import Audience, StreamEntry, StreamRecord, StreamUnavailable, Viewer
from sos.stream.hub import Closed, StreamHub
from sos.stream.redis_log import RedisFanout, RedisStreamLog, connect
from tests.stream.processes import RedisServer

REDIS_URL = os.environ.get("SOS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ORGANIZATION = uuid4()
VIEWER = Viewer(str(uuid4()), str(ORGANIZATION), "coordinator", set(), 1)
RECOVERY_SECONDS = 10.0


def record() -> StreamRecord:
    event_id = uuid4()
    change = json.dumps({"id": str(event_id), "type": "test.change", "data": {}})
    return StreamRecord(event_id, ORGANIZATION, "test.change", Audience(frozenset({"coordinator"})), change)


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix (and so a channel) of its own on the shared Redis."""
    name = f"test:stream:{secrets.token_hex(6)}"
    yield name
    client = connect(REDIS_URL)
    keys = [key async for key in client.scan_iter(f"{name}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_a_change_appended_by_one_process_reaches_the_hub_of_every_process(prefix: str) -> None:
    log = RedisStreamLog(connect(REDIS_URL), prefix=prefix, retention=100)
    hubs = [StreamHub(queue_size=8, available=False) for _ in range(2)]
    fanouts = [RedisFanout(REDIS_URL, log.channel, hub) for hub in hubs]
    try:
        for fanout in fanouts:
            await fanout.start(wait_seconds=RECOVERY_SECONDS)
        subscriptions = [hub.subscribe(VIEWER) for hub in hubs]
        await log.append([record()])
        async with asyncio.timeout(RECOVERY_SECONDS):
            received = [await subscription.queue.get() for subscription in subscriptions]
    finally:
        for fanout in fanouts:
            await fanout.stop()
        await log.close()
    first, second = received
    assert isinstance(first, StreamEntry)
    assert isinstance(second, StreamEntry)
    assert first.cursor == second.cursor
    assert first.change == second.change


async def test_losing_redis_ends_open_streams_and_refuses_new_ones_until_it_is_back(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    await redis.listening()
    hub = StreamHub(queue_size=8, available=False)
    fanout = RedisFanout(redis.url, "test:stream:changes", hub)
    try:
        await fanout.start(wait_seconds=RECOVERY_SECONDS)
        subscription = hub.subscribe(VIEWER)
        redis.kill()
        async with asyncio.timeout(RECOVERY_SECONDS):
            ended = await subscription.queue.get()
        assert not hub.available
        with pytest.raises(StreamUnavailable):
            hub.subscribe(VIEWER)
        redis.start()
        await redis.listening()
        # Waits (on the subscription it already runs) until it is subscribed again.
        await fanout.start(wait_seconds=RECOVERY_SECONDS)
        assert hub.available
        assert hub.subscribe(VIEWER).ended is None
    finally:
        await fanout.stop()
        redis.kill()
    assert not isinstance(ended, StreamEntry)
    assert ended.reason is Closed.UNAVAILABLE
    assert ended.retry_after > 0
