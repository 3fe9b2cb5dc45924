"""Both stream logs, memory and Redis, keep the same promises: order, no duplicates, and resync when replay can't."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from sos.stream.domain import START, Audience, Cursor, ResyncNeeded, ResyncReason, StreamEntry, StreamRecord
from sos.stream.hub import StreamHub
from sos.stream.log import MemoryStreamLog, StreamLog
from sos.stream.redis_log import RedisStreamLog, connect

REDIS_URL = os.environ.get("SOS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RETENTION = 100


@pytest.fixture(params=["memory", "redis"])
async def log(request: pytest.FixtureRequest) -> AsyncIterator[StreamLog]:
    if request.param == "memory":
        yield MemoryStreamLog(StreamHub(queue_size=8), retention=RETENTION)
        return
    # A prefix of its own, so runs on the shared Redis never meet.
    prefix = f"test:stream:{secrets.token_hex(6)}"
    client = connect(REDIS_URL)
    yield RedisStreamLog(client, prefix=prefix, retention=RETENTION)
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def records(organization_id: UUID, count: int) -> list[StreamRecord]:
    made = []
    for _ in range(count):
        event_id = uuid4()
        change = json.dumps({"id": str(event_id), "type": "test.change", "data": {}})
        made.append(StreamRecord(event_id, organization_id, "test.change", Audience(frozenset({"admin"})), change))
    return made


def ids(entries: list[StreamEntry]) -> list[str]:
    return [json.loads(entry.change)["id"] for entry in entries]


async def test_an_organization_without_changes_is_at_the_start(log: StreamLog) -> None:
    assert (await log.head(str(uuid4()))).position == START


async def test_changes_are_read_back_after_a_cursor_in_order(log: StreamLog) -> None:
    organization = uuid4()
    start = await log.head(str(organization))
    appended = records(organization, 5)
    await log.append(appended)
    entries = await log.read_after(str(organization), start, 10)
    assert ids(entries) == [str(record.event_id) for record in appended]
    assert [entry.position for entry in entries] == sorted({entry.position for entry in entries})
    assert ids(await log.read_after(str(organization), entries[1].cursor, 2)) == ids(entries[2:4])
    assert await log.read_after(str(organization), entries[-1].cursor, 10) == []
    assert (await log.head(str(organization))) == entries[-1].cursor


async def test_an_event_appended_twice_is_kept_once(log: StreamLog) -> None:
    organization = uuid4()
    start = await log.head(str(organization))
    appended = records(organization, 3)
    await log.append(appended)
    await log.append([appended[1], *records(organization, 1)])
    entries = await log.read_after(str(organization), start, 10)
    assert len(entries) == 4
    assert len(set(ids(entries))) == 4


async def test_organizations_have_logs_of_their_own(log: StreamLog) -> None:
    mine, theirs = uuid4(), uuid4()
    start = await log.head(str(mine))
    await log.append(records(theirs, 2) + records(mine, 1) + records(theirs, 1))
    assert len(await log.read_after(str(mine), start, 10)) == 1


async def test_a_cursor_whose_successors_were_trimmed_needs_a_gap_resync(log: StreamLog) -> None:
    organization = uuid4()
    await log.append(records(organization, 1))
    first = await log.head(str(organization))
    for _ in range(4):
        await log.append(records(organization, RETENTION))
    with pytest.raises(ResyncNeeded) as needed:
        await log.read_after(str(organization), first, 10)
    assert needed.value.reason is ResyncReason.GAP


async def test_a_cursor_from_before_a_trimmed_start_needs_a_gap_resync(log: StreamLog) -> None:
    organization = uuid4()
    empty = await log.head(str(organization))
    for _ in range(4):
        await log.append(records(organization, RETENTION))
    with pytest.raises(ResyncNeeded) as needed:
        await log.read_after(str(organization), empty, 10)
    assert needed.value.reason is ResyncReason.GAP


async def test_a_retained_cursor_replays_even_after_trimming(log: StreamLog) -> None:
    organization = uuid4()
    for _ in range(3):
        await log.append(records(organization, RETENTION))
    recent = await log.head(str(organization))
    newer = records(organization, 3)
    await log.append(newer)
    assert ids(await log.read_after(str(organization), recent, 10)) == [str(record.event_id) for record in newer]


async def test_a_cursor_ahead_of_the_log_needs_a_gap_resync(log: StreamLog) -> None:
    organization = uuid4()
    await log.append(records(organization, 2))
    head = await log.head(str(organization))
    ahead = Cursor(head.epoch, (head.position[0] + 1, head.position[1]))
    with pytest.raises(ResyncNeeded) as needed:
        await log.read_after(str(organization), ahead, 10)
    assert needed.value.reason is ResyncReason.GAP


async def test_a_cursor_of_another_epoch_needs_a_stream_reset(log: StreamLog) -> None:
    organization = uuid4()
    await log.append(records(organization, 2))
    head = await log.head(str(organization))
    with pytest.raises(ResyncNeeded) as needed:
        await log.read_after(str(organization), Cursor("0ddba11", head.position), 10)
    assert needed.value.reason is ResyncReason.STREAM_RESET
