"""Pure ASGI middleware: request ids, W3C trace context and a request body size limit."""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sos.core.errors import ErrorCode, problem_response
from sos.core.request_context import bind_request_id, bind_traceparent, child_traceparent

access_log = logging.getLogger("sos.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestIdMiddleware:
    """Takes a well-formed ``X-Request-ID`` from the caller or makes one, echoes it on the response, and logs
    one access line per request (method, path, status, duration) under that id at INFO level.

    It also continues the caller's W3C ``traceparent`` (or starts a new trace), so the events the request commits
    carry its trace context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else secrets.token_hex(12)
        bind_request_id(request_id)
        caller_trace = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"traceparent"), None)
        bind_traceparent(child_traceparent(caller_trace))
        scope.setdefault("state", {})["request_id"] = request_id

        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                elapsed_ms = (time.perf_counter() - started) * 1000
                access_log.info("%s %s %d %.1fms", scope["method"], loggable_path(scope["path"]), status, elapsed_ms)


# Paths whose last segment is the credential itself (calendar apps cannot send a bearer token).
_CREDENTIAL_IN_PATH = re.compile(r"^(?P<route>/api/v1/oncall-feeds/(?:schedules|users)/)[^/]+$")


def loggable_path(path: str) -> str:
    """The request path with any credential it carries replaced, so logs never hold a usable feed URL."""
    return _CREDENTIAL_IN_PATH.sub(r"\g<route>[redacted].ics", path)


class _BodyTooLarge(StarletteHTTPException):
    """An HTTPException, so the framework renders it as 413 instead of wrapping it as a parse error."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body exceeds {max_bytes} bytes.")
        self.extensions = {"max_bytes": max_bytes}


class BodySizeLimitMiddleware:
    """Rejects bodies over ``max_bytes`` with 413, by Content-Length or by counting a streamed body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(scope, receive, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:
                raise
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            ErrorCode.PAYLOAD_TOO_LARGE,
            "Payload too large",
            f"The request body exceeds {self.max_bytes} bytes.",
            instance=scope.get("path"),
            max_bytes=self.max_bytes,
        )
        await response(scope, receive, send)
