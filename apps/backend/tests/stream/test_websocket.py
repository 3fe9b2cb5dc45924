"""The WebSocket stream: authentication by first frame, the same events as SSE, and chat messages with ack/error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from httpx import AsyncClient

from sos.core.container import Container
from sos.stream.socket import CLOSE_NORMAL, CLOSE_UNAUTHENTICATED
from tests.factories import Tenant, raise_sos
from tests.stream.support import WAIT_SECONDS, fence, token_expiring_in


class Socket:
    def __init__(self, connection: aiohttp.ClientWebSocketResponse) -> None:
        self.connection = connection

    async def send(self, frame: dict[str, Any]) -> None:
        await self.connection.send_str(json.dumps(frame))

    async def next(self, *, heartbeats: bool = False) -> dict[str, Any]:
        while True:
            message = await self.connection.receive(timeout=WAIT_SECONDS)
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise EOFError(f"the socket closed ({message.type.name}, code {self.connection.close_code})")
            frame: dict[str, Any] = json.loads(message.data)
            if heartbeats or frame["event"] != "heartbeat":
                return frame

    async def until(self, event: str) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["event"] != event:
            seen.append(await self.next())
        return seen

    async def closed_with(self) -> int | None:
        message = await self.connection.receive(timeout=WAIT_SECONDS)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
        return self.connection.close_code


@asynccontextmanager
async def socket_to(server: str) -> AsyncIterator[Socket]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.replace("http://", "ws://") + "/api/v1/stream/ws") as connection,
    ):
        yield Socket(connection)


@asynccontextmanager
async def authenticated(server: str, token: str, last_event_id: str | None = None) -> AsyncIterator[Socket]:
    async with socket_to(server) as socket:
        await socket.send({"type": "auth", "token": token, "last_event_id": last_event_id})
        yield socket


async def test_a_socket_authenticated_by_its_first_frame_gets_ready_then_changes(
    server: str, client: AsyncClient, tenant: Tenant
) -> None:
    async with authenticated(server, tenant.coordinator.token) as socket:
        ready = await socket.next()
        alert = await raise_sos(client, tenant.reporter)
        change = await socket.next()
    assert ready["event"] == "ready"
    assert "id" not in ready
    assert change["event"] == "change"
    assert change["id"]
    assert (change["data"]["type"], change["data"]["alert_id"]) == ("alert.triggered", alert["id"])


async def test_a_socket_with_a_bad_token_gets_a_401_problem_and_is_closed(server: str, client: AsyncClient) -> None:
    async with authenticated(server, "not.a.jwt") as socket:
        error = await socket.next()
        code = await socket.closed_with()
    assert error["event"] == "error"
    assert (error["data"]["status"], error["data"]["code"]) == (401, "invalid_token")
    assert code == CLOSE_UNAUTHENTICATED


async def test_a_socket_whose_first_frame_is_not_auth_is_refused(server: str, client: AsyncClient) -> None:
    async with socket_to(server) as socket:
        await socket.send({"type": "ping"})
        error = await socket.next()
        code = await socket.closed_with()
    assert error["data"]["code"] == "not_authenticated"
    assert code == CLOSE_UNAUTHENTICATED


async def test_a_socket_replays_after_its_last_event_id(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with authenticated(server, tenant.coordinator.token) as socket:
        await socket.until("ready")
        await raise_sos(client, tenant.reporter)
        last = await socket.next()
    missed = await raise_sos(client, tenant.reporter)
    await fence(client, tenant)
    await container.relay.drain()
    async with authenticated(server, tenant.coordinator.token, last_event_id=last["id"]) as socket:
        replayed = await socket.until("ready")
    changes = [frame["data"] for frame in replayed if frame["event"] == "change"]
    assert [change["alert_id"] for change in changes if change["type"] == "alert.triggered"] == [missed["id"]]
    assert changes[-1]["type"] == "organization.updated"


async def test_a_chat_message_is_acknowledged_with_its_id_and_reaches_the_stream(
    server: str, client: AsyncClient, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    async with authenticated(server, tenant.reporter.token) as socket:
        await socket.until("ready")
        await socket.send({"type": "message", "client_id": "c-1", "alert_id": alert["id"], "body": "  I'm here  "})
        ack, posted = None, None
        while ack is None or posted is None:
            frame = await socket.next()
            if frame["event"] == "ack":
                ack = frame["data"]
            elif frame["data"].get("type") == "message.posted":
                posted = frame["data"]
    assert ack == {"client_id": "c-1", "message_id": posted["data"]["message_id"]}
    messages = await client.get(f"/api/v1/alerts/{alert['id']}/messages", headers=tenant.reporter.headers)
    assert [message["body"] for message in messages.json()["items"]] == ["I'm here"]


async def test_a_chat_message_on_an_alert_the_sender_cannot_see_gets_a_404_problem(
    server: str, client: AsyncClient, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    async with authenticated(server, tenant.responder.token) as socket:
        await socket.until("ready")
        await socket.send({"type": "message", "client_id": "c-2", "alert_id": alert["id"], "body": "hello"})
        error = (await socket.until("error"))[-1]
    assert (error["data"]["status"], error["data"]["code"], error["data"]["client_id"]) == (404, "not_found", "c-2")


async def test_a_reporter_may_not_post_on_an_incident(server: str, client: AsyncClient, tenant: Tenant) -> None:
    opened = await client.post(
        "/api/v1/incidents", json={"title": "Storm", "alert_ids": []}, headers=tenant.coordinator.headers
    )
    assert opened.status_code == 201, opened.text
    async with authenticated(server, tenant.reporter.token) as socket:
        await socket.until("ready")
        await socket.send({"type": "message", "client_id": "c-3", "incident_id": opened.json()["id"], "body": "hi"})
        error = (await socket.until("error"))[-1]
    assert (error["data"]["status"], error["data"]["code"]) == (403, "forbidden")


async def test_a_malformed_chat_message_gets_a_422_problem_naming_the_field(
    server: str, client: AsyncClient, tenant: Tenant
) -> None:
    async with authenticated(server, tenant.coordinator.token) as socket:
        await socket.until("ready")
        await socket.send({"type": "message", "client_id": "c-4", "alert_id": "not-a-uuid", "body": ""})
        error = (await socket.until("error"))[-1]
    assert (error["data"]["status"], error["data"]["code"]) == (422, "validation_failed")
    assert {problem["pointer"] for problem in error["data"]["errors"]} >= {"#/message/alert_id", "#/message/body"}


async def test_a_ping_gets_a_pong(server: str, client: AsyncClient, tenant: Tenant) -> None:
    async with authenticated(server, tenant.responder.token) as socket:
        await socket.until("ready")
        await socket.send({"type": "ping"})
        pong = await socket.next()
    assert pong == {"event": "pong", "data": {}}


async def test_a_socket_ends_with_token_expired_and_a_normal_close(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with authenticated(server, token_expiring_in(container, tenant.responder, seconds=5)) as socket:
        await socket.until("ready")
        expired = await socket.next()
        code = await socket.closed_with()
    assert expired == {"event": "token_expired", "data": {"reason": "expired"}}
    assert code == CLOSE_NORMAL


async def test_a_frame_larger_than_a_request_body_may_be_gets_a_413_problem(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    body = "x" * (container.settings.max_body_bytes + 1)
    async with authenticated(server, tenant.reporter.token) as socket:
        await socket.until("ready")
        await socket.send({"type": "message", "client_id": "c-5", "alert_id": alert["id"], "body": body})
        error = (await socket.until("error"))[-1]
    assert (error["data"]["status"], error["data"]["code"]) == (413, "payload_too_large")
