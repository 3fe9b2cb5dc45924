"""The hand-off from replay to live: subscribe first, replay, then the queued changes not replayed; nothing twice."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from sos.core.db import utcnow
from sos.stream.domain import Audience, Frame, Outgoing, StreamEntry, StreamRecord, Viewer
from sos.stream.hub import StreamHub
from sos.stream.log import MemoryStreamLog
from sos.stream.runtime import LiveStream
from sos.stream.service import StreamSession
from tests.settings import make_settings

ORGANIZATION = uuid4()
VIEWER = Viewer(str(uuid4()), str(ORGANIZATION), "responder", set(), 1)


@pytest.fixture
def live(tmp_path: Path) -> LiveStream:
    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path).model_copy(
        update={"stream_heartbeat_seconds": 60.0}
    )
    hub = StreamHub(queue_size=64)
    return LiveStream(settings, hub, MemoryStreamLog(hub, retention=100), None)


def changes(count: int, *, for_viewer: bool = True) -> list[StreamRecord]:
    audience = Audience(users=frozenset({VIEWER.user_id if for_viewer else str(uuid4())}))
    made = []
    for _ in range(count):
        event_id = uuid4()
        change = json.dumps({"id": str(event_id), "type": "test.change", "data": {}})
        made.append(StreamRecord(event_id, ORGANIZATION, "test.change", audience, change))
    return made


def session(live: LiveStream, last_event_id: str | None) -> StreamSession:
    return StreamSession(live, VIEWER, expires_at=utcnow() + timedelta(minutes=5), last_event_id=last_event_id)


async def take(frames: AsyncGenerator[Outgoing], count: int) -> list[Outgoing]:
    return [await anext(frames) for _ in range(count)]


def positions(frames: list[Outgoing]) -> list[int | str]:
    return [frame.position[0] if isinstance(frame, StreamEntry) else frame.name for frame in frames]


async def test_changes_appended_while_replaying_come_once_after_ready(live: LiveStream) -> None:
    await live.log.append(changes(2))
    cursor = await live.log.head(str(ORGANIZATION))
    await live.log.append(changes(2))
    async with session(live, str(cursor)) as opened:
        # Appended after the session subscribed and read the head, before it replays: in the log and in its queue.
        await live.log.append(changes(2))
        frames = opened.frames()
        caught_up = await take(frames, 5)
        await live.log.append(changes(1))
        live_ones = await take(frames, 1)
        await frames.aclose()
    assert positions(caught_up) == [3, 4, 5, 6, "ready"]
    assert positions(live_ones) == [7]


async def test_without_a_cursor_only_changes_after_the_head_come_after_ready(live: LiveStream) -> None:
    await live.log.append(changes(3))
    async with session(live, None) as opened:
        await live.log.append(changes(2))
        frames = opened.frames()
        received = await take(frames, 3)
        await frames.aclose()
    ready = received[0]
    assert isinstance(ready, Frame)
    assert ready.data["cursor"].endswith("-3-0")
    assert positions(received) == ["ready", 4, 5]


async def test_the_replay_leaves_out_changes_the_viewer_may_not_see(live: LiveStream) -> None:
    cursor = await live.log.head(str(ORGANIZATION))
    await live.log.append(changes(1) + changes(2, for_viewer=False) + changes(1))
    async with session(live, str(cursor)) as opened:
        frames = opened.frames()
        received = await take(frames, 3)
        await frames.aclose()
    assert positions(received) == [1, 4, "ready"]
    assert isinstance(received[-1], Frame)
    assert received[-1].data["cursor"].endswith("-4-0")


async def test_a_change_of_a_new_epoch_arrives_after_a_stream_reset(live: LiveStream) -> None:
    async with session(live, None) as opened:
        frames = opened.frames()
        await take(frames, 1)
        reset = StreamEntry(str(ORGANIZATION), "0ddba11", (1, 0), "test.change", Audience(), "{}")
        opened.subscription.offer(reset)
        received = await take(frames, 2)
        await frames.aclose()
    assert isinstance(received[0], Frame)
    assert (received[0].name, received[0].data) == ("resync", {"reason": "stream_reset"})
    assert received[1] is reset
