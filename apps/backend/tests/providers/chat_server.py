"""A loopback stand-in for the incoming webhooks of Slack, Microsoft Teams and Mattermost.

It answers as the services do: Slack ``200 ok`` (errors are a plain-text code such as ``no_service``), Teams
Workflows ``202`` with an empty body (errors are JSON ``{"error": {"code", "message"}}``), Mattermost ``200 ok``
(errors are its JSON AppError). It records every JSON body, and can be told how to answer the next requests.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from sos.notifications.domain import NotificationChannel


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering, to let a client time out."""

    @classmethod
    def slack_error(cls, status: int, error: str, headers: dict[str, str] | None = None) -> Reply:
        """Such as ``404 no_service``, ``403 invalid_token``, ``410 channel_is_archived``, ``500 rollup_error``."""
        return cls(status, error, headers=headers or {})

    @classmethod
    def teams_error(cls, status: int, code: str, headers: dict[str, str] | None = None) -> Reply:
        body = json.dumps({"error": {"code": code, "message": f"The request failed with {code}."}})
        return cls(status, body, "application/json", headers or {})

    @classmethod
    def mattermost_error(cls, status: int, headers: dict[str, str] | None = None) -> Reply:
        body = {
            "id": "web.incoming_webhook.invalid.app_error",
            "message": "Invalid webhook.",
            "detailed_error": "",
            "request_id": secrets.token_hex(13),
            "status_code": status,
        }
        return cls(status, json.dumps(body), "application/json", headers or {})


@dataclass(frozen=True, slots=True)
class ChatPost:
    service: NotificationChannel
    path: str
    content_type: str
    payload: dict[str, Any]


def _service_of(path: str) -> NotificationChannel | None:
    if path.startswith("/services/"):
        return NotificationChannel.SLACK
    if "/workflows/" in path or path.startswith("/webhookb2/"):
        return NotificationChannel.TEAMS
    if "/hooks/" in path:
        return NotificationChannel.MATTERMOST
    return None


_SUCCESS = {
    NotificationChannel.SLACK: Reply(200, "ok"),
    NotificationChannel.TEAMS: Reply(202),
    NotificationChannel.MATTERMOST: Reply(200, "ok"),
}


class ChatWebhookServer:
    """Use as ``async with ChatWebhookServer() as server``; ``server.slack_url()`` and friends name its webhooks."""

    def __init__(self) -> None:
        self.posts: list[ChatPost] = []
        self._replies: deque[Reply] = deque()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def answer_next(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, instead of success."""
        self._replies.extend(replies)

    def slack_url(self) -> str:
        return f"{self.base_url}/services/T0SOS0001/B0SOS0001/{secrets.token_hex(12)}"

    def teams_url(self) -> str:
        return (
            f"{self.base_url}/workflows/{secrets.token_hex(16)}/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={secrets.token_urlsafe(32)}"
        )

    def mattermost_url(self) -> str:
        return f"{self.base_url}/hooks/{secrets.token_hex(13)}"

    def url_for(self, channel: NotificationChannel) -> str:
        return {
            NotificationChannel.SLACK: self.slack_url,
            NotificationChannel.TEAMS: self.teams_url,
            NotificationChannel.MATTERMOST: self.mattermost_url,
        }[channel]()

    async def _handle(self, request: web.Request) -> web.Response:
        service = _service_of(request.path)
        if service is None:
            return web.Response(status=404, text="not found")
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            # Slack's answer to a body that is not JSON; Teams and Mattermost answer 400 too.
            return web.Response(status=400, text="invalid_payload")
        self.posts.append(ChatPost(service, request.path, request.content_type, payload))
        reply = self._replies.popleft() if self._replies else _SUCCESS[service]
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(
            status=reply.status, text=reply.body, content_type=reply.content_type, headers=reply.headers
        )

    async def start(self) -> ChatWebhookServer:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ChatWebhookServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop()
