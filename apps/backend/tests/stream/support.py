"""Stream clients for tests: an SSE reader over a real socket, fences, and tokens that expire soon."""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
from httpx import AsyncClient

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.security import load_or_create_signing_key
from sos.stream.domain import Audience, StreamRecord, Viewer
from tests.factories import Member, Tenant
from tests.tokens import claims, sign

STREAM_SETTINGS: dict[str, Any] = {
    "stream_heartbeat_seconds": 0.3,
    "membership_poll_seconds": 0.2,
    "stream_client_queue_size": 32,
    "stream_retention_events": 100,
}
TLS = ssl.create_default_context()
"""Loaded once: every client would load the CA bundle again (a quarter of a second), though streams are plain HTTP."""
WAIT_SECONDS = 20.0
"""The longest any test waits for one event."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]
    id: str | None = None

    @property
    def type(self) -> str:
        """The event type of a ``change``."""
        return str(self.data.get("type", ""))


class EventReader:
    """Reads named SSE events off a streamed response, one at a time, each within a deadline."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, *, within: float = WAIT_SECONDS, heartbeats: bool = False) -> Event:
        async with _deadline(within, "the next stream event"):
            while True:
                event = await self._read_one()
                if heartbeats or event.name != "heartbeat":
                    return event

    async def _read_one(self) -> Event:
        name, event_id, data = "message", None, ""
        async for line in self._lines:
            if line == "":
                if data:
                    return Event(name, json.loads(data), event_id)
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "id":
                event_id = value
            elif field == "data":
                data += value
        raise EOFError("the stream ended")

    async def until(self, name: str, *, within: float = WAIT_SECONDS) -> list[Event]:
        """Every event up to and including the first one named ``name``."""
        seen: list[Event] = []
        async with _deadline(within, f"a {name!r} event"):
            while True:
                event = await self.next(within=within)
                seen.append(event)
                if event.name == name:
                    return seen

    async def changes_until_fence(self, fence: str, *, within: float = WAIT_SECONDS) -> list[Event]:
        """The changes before the fence (an organization rename that everyone hears of) named ``fence``."""
        seen: list[Event] = []
        async with _deadline(within, f"the fence {fence}"):
            while True:
                event = await self.next(within=within)
                if event.name != "change":
                    continue
                if event.type == "organization.updated" and event.data["aggregate_id"] == fence:
                    return seen
                seen.append(event)

    async def ended(self, *, within: float = WAIT_SECONDS) -> bool:
        """Whether the server ends the stream (without sending another event) within ``within`` seconds."""
        try:
            event = await self.next(within=within, heartbeats=True)
        except EOFError:
            return True
        raise AssertionError(f"expected the stream to end, got {event}")


@asynccontextmanager
async def _deadline(seconds: float, what: str) -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise AssertionError(f"timed out after {seconds} s waiting for {what}") from exc


@asynccontextmanager
async def open_stream(
    base_url: str,
    token: str | None,
    *,
    last_event_id: str | None = None,
    query: dict[str, str] | None = None,
    expect: int = 200,
) -> AsyncIterator[EventReader]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(WAIT_SECONDS, read=None), verify=TLS) as http,
        http.stream("GET", "/api/v1/stream", headers=headers, params=query) as response,
    ):
        if response.status_code != 200:
            await response.aread()
        if response.status_code != expect:
            raise AssertionError(f"expected {expect}, got {response.status_code}: {response.text}")
        yield EventReader(response)


async def fence(client: AsyncClient, tenant: Tenant) -> str:
    """Renames the organization: every member's stream hears of it after everything before it. Returns its id."""
    response = await client.patch(
        "/api/v1/organization", json={"name": f"Org {secrets.token_hex(3)}"}, headers=tenant.admin.headers
    )
    assert response.status_code == 200, response.text
    return str(tenant.organization_id)


def token_expiring_in(container: Container, member: Member, seconds: int) -> str:
    """An access token for ``member`` that expires ``seconds`` from now (rounded up to a whole second), signed with
    the container's key."""
    now = utcnow()
    settings = container.settings
    return sign(
        claims(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            sub=str(member.user_id),
            org=str(member.organization_id),
            role=member.role.value,
            iat=int(now.timestamp()),
            nbf=int(now.timestamp()),
            exp=math.ceil((now + timedelta(seconds=seconds)).timestamp()),
        ),
        load_or_create_signing_key(settings),
    )


def viewer_of(member: Member, *, team_ids: set[str] | None = None) -> Viewer:
    return Viewer(
        user_id=str(member.user_id),
        organization_id=str(member.organization_id),
        role=member.role.value,
        team_ids=team_ids or set(),
        membership_version=1,
    )


def filler(tenant: Tenant, count: int) -> list[StreamRecord]:
    """Changes every coordinator of ``tenant`` receives, appended straight to the log to move it along."""
    audience = Audience(roles=frozenset({"coordinator"}))
    records = []
    for _ in range(count):
        event_id = uuid4()
        change = json.dumps({"id": str(event_id), "type": "test.filler", "topics": ["alerts"], "data": {}})
        records.append(StreamRecord(event_id, tenant.organization_id, "test.filler", audience, change))
    return records


async def until_listening(port: int, seconds: float = 30.0) -> None:
    """Waits until something accepts connections on ``port``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
