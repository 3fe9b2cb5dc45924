"""A client that stops reading is dropped; it never stalls the others, who get every change promptly."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.stream.domain import Audience, StreamEntry, StreamRecord, Viewer
from sos.stream.hub import Closed, StreamHub
from sos.stream.log import MemoryStreamLog
from sos.stream.runtime import LiveStream
from sos.stream.service import StreamSession
from tests.factories import Tenant
from tests.settings import make_settings
from tests.stream.support import open_stream

PADDING = "x" * 16_000
"""Big changes fill a socket's buffers (a few megabytes on loopback) in fewer events."""
MAX_EVENTS = 2000
ORGANIZATION = uuid4()
PROMPT_SECONDS = 10.0
"""How soon the client that keeps reading must get each change, whatever the stalled one does."""


def records(count: int) -> list[StreamRecord]:
    audience = Audience(roles=frozenset({"coordinator"}))
    made = []
    for _ in range(count):
        event_id = uuid4()
        change = json.dumps({"id": str(event_id), "type": "test.change", "data": {}})
        made.append(StreamRecord(event_id, ORGANIZATION, "test.change", audience, change))
    return made


def padded(tenant: Tenant, count: int) -> list[StreamRecord]:
    audience = Audience(roles=frozenset({"coordinator"}))
    records = []
    for _ in range(count):
        event_id = uuid4()
        change = json.dumps({"id": str(event_id), "type": "test.filler", "topics": [], "data": {"pad": PADDING}})
        records.append(StreamRecord(event_id, tenant.organization_id, "test.filler", audience, change))
    return records


async def test_a_subscriber_that_never_takes_its_changes_is_dropped_and_the_others_get_every_one(
    tmp_path: Path,
) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path)
    hub = StreamHub(queue_size=8)
    log = MemoryStreamLog(hub, retention=1000)
    live = LiveStream(settings, hub, log, None)
    viewer = Viewer(str(uuid4()), str(ORGANIZATION), "coordinator", set(), 1)
    aborted = asyncio.Event()
    stuck = hub.subscribe(viewer)
    stuck.on_abort(aborted.set)
    expires_at = utcnow() + timedelta(minutes=5)
    received: list[list[StreamEntry]] = [[], []]

    async def read(index: int) -> None:
        async with StreamSession(live, viewer, expires_at=expires_at, last_event_id=None) as session:
            opened.release()
            frames = session.frames()
            while len(received[index]) < 200:
                frame = await anext(frames)
                if isinstance(frame, StreamEntry):
                    received[index].append(frame)
            await frames.aclose()

    opened = asyncio.Semaphore(0)
    readers = [asyncio.create_task(read(index)) for index in range(2)]
    for _ in readers:
        await opened.acquire()
    await log.append(records(200))
    async with asyncio.timeout(20):
        await asyncio.gather(*readers)
    assert stuck.ended is not None
    assert stuck.ended.reason is Closed.OVERFLOW
    assert aborted.is_set()
    assert hub.dropped == 1
    positions = [[entry.position for entry in entries] for entries in received]
    assert positions[0] == positions[1] == [(number, 0) for number in range(1, 201)]


async def test_a_client_that_stops_reading_is_cut_off_while_another_gets_every_change_promptly(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    hub = container.stream.hub
    dropped_before = hub.dropped
    host, port = server.removeprefix("http://").split(":")
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as stalled:
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.setblocking(False)
        await loop.sock_connect(stalled, (host, int(port)))
        request = (
            f"GET /api/v1/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {tenant.coordinator.token}\r\n\r\n"
        )
        await loop.sock_sendall(stalled, request.encode())
        async with open_stream(server, tenant.coordinator.token) as stream:
            await stream.until("ready")
            sent = 0
            # Until the stalled client's socket buffers and then its queue are full, and it is dropped.
            while hub.dropped == dropped_before and sent < MAX_EVENTS:
                await container.stream.log.append(padded(tenant, 20))
                sent += 20
                got = 0
                while got < sent:
                    event = await stream.next(within=PROMPT_SECONDS)
                    got += event.name == "change"
                sent -= got
            assert hub.dropped == dropped_before + 1
            assert sent == 0, f"the reading client got every change, each within {PROMPT_SECONDS} s"
        # The server closed the stalled connection: what it had sent is there to read, then the end.
        async with asyncio.timeout(20):
            while await loop.sock_recv(stalled, 1 << 20):
                pass
