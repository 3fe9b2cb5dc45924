"""The WebSocket transport: the same stream as SSE, plus chat messages sent up the same connection.

The client's first frame authenticates (``{"type": "auth", "token", "last_event_id"}``) within
:data:`AUTH_TIMEOUT_SECONDS`. The server then sends ``{"event", "id"?, "data"}`` frames, the same events as SSE.
The client may send ``{"type": "ping"}`` (answered ``pong``) and ``{"type": "message", ...}``, which runs the post-
message use case in its own unit of work and is answered ``ack`` or ``error`` (a problem+json object).

Close codes: 1000 after ``token_expired`` or at shutdown; 1013 (try again later) when the fan-out is unavailable
or the client fell behind (it reconnects with its cursor); 4401 when authentication failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import anyio
from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from sos.auth.principal import Principal
from sos.core.container import Container
from sos.core.errors import Forbidden, PayloadTooLarge, ProblemError, Unauthenticated, Unprocessable
from sos.core.security import AccessClaims
from sos.messages import service as messages
from sos.stream.domain import StreamUnavailable
from sos.stream.hub import Closed
from sos.stream.schemas import CLIENT_FRAME, AuthFrame, MessageFrame, PingFrame
from sos.stream.service import StreamSession, authenticate, ensure_current, load_viewer, unavailable_problem
from sos.users.domain import STAFF_ROLES, Role

logger = logging.getLogger("sos.stream.socket")

AUTH_TIMEOUT_SECONDS = 10.0
CLOSE_NORMAL = 1000
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_UNAUTHENTICATED = 4401
_CLOSE_TIMEOUT_SECONDS = 1.0
_FIELD_ROLES = STAFF_ROLES | {Role.RESPONDER}


def problem_body(error: ProblemError) -> dict[str, Any]:
    """The problem+json object of ``error``, as the HTTP error handlers render it."""
    return {
        "type": f"urn:sos:problem:{error.code.value}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code.value,
        **error.extensions,
    }


def _invalid_frame(exc: ValidationError) -> Unprocessable:
    errors = [
        {
            "in": "body",
            "pointer": "#/" + "/".join(str(part) for part in error.get("loc", ())),
            "type": error.get("type", "value_error"),
            "message": error.get("msg", "invalid value"),
        }
        for error in exc.errors()
    ]
    return Unprocessable("The frame has invalid fields.", errors=errors)


async def serve_socket(websocket: WebSocket, container: Container) -> None:
    await websocket.accept()
    try:
        claims, last_event_id = await _authenticate(websocket, container)
    except ProblemError as problem:
        await _refuse(websocket, problem, CLOSE_UNAUTHENTICATED)
        return
    except WebSocketDisconnect:
        return
    viewer = await load_viewer(container.uow_factory(), claims)
    session = StreamSession(container.stream, viewer, expires_at=claims.expires_at, last_event_id=last_event_id)
    try:
        await session.open()
    except StreamUnavailable as exc:
        await _refuse(websocket, unavailable_problem(exc), CLOSE_TRY_AGAIN_LATER)
        return
    try:
        await _SocketStream(websocket, container, claims, session).run()
    finally:
        await session.close()


async def _authenticate(websocket: WebSocket, container: Container) -> tuple[AccessClaims, str | None]:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            text = await websocket.receive_text()
    except TimeoutError as exc:
        raise Unauthenticated("Send an auth frame with an access token first.") from exc
    try:
        frame = CLIENT_FRAME.validate_json(text)
    except ValidationError as exc:
        raise Unauthenticated('The first frame must be {"type": "auth", "token": ...}.') from exc
    if not isinstance(frame, AuthFrame):
        raise Unauthenticated('The first frame must be {"type": "auth", "token": ...}.')
    return authenticate(container.signer, container.memberships, frame.token), frame.last_event_id


async def _refuse(websocket: WebSocket, problem: ProblemError, code: int) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.send_text(json.dumps({"event": "error", "data": problem_body(problem)}))
        await websocket.close(code)


class _SocketStream:
    def __init__(self, websocket: WebSocket, container: Container, claims: AccessClaims, session: StreamSession):
        self._websocket = websocket
        self._container = container
        self._claims = claims
        self._session = session
        self._sending = asyncio.Lock()
        self._aborted = False

    async def _send(self, text: str) -> None:
        async with self._sending:
            await self._websocket.send_text(text)

    async def run(self) -> None:
        disconnected = False
        async with anyio.create_task_group() as group:

            def abort() -> None:
                self._aborted = True
                group.cancel_scope.cancel()

            async def read() -> None:
                nonlocal disconnected
                try:
                    while True:
                        await self._answer(await self._websocket.receive_text())
                except WebSocketDisconnect:
                    disconnected = True
                    group.cancel_scope.cancel()

            self._session.on_abort(abort)
            group.start_soon(read)
            async with contextlib.aclosing(self._session.frames()) as frames:
                async for frame in frames:
                    await self._send(frame.socket())
            group.cancel_scope.cancel()
        if not disconnected:
            await self._close()

    async def _close(self) -> None:
        ended = self._session.ended
        again_later = self._aborted or ended in (Closed.UNAVAILABLE, Closed.OVERFLOW)
        code = CLOSE_TRY_AGAIN_LATER if again_later else CLOSE_NORMAL
        with anyio.move_on_after(_CLOSE_TIMEOUT_SECONDS), contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self._websocket.close(code)

    async def _answer(self, text: str) -> None:
        client_id: Any = None
        try:
            if len(text) > self._container.settings.max_body_bytes:
                raise PayloadTooLarge(f"A frame may carry at most {self._container.settings.max_body_bytes} bytes.")
            frame = CLIENT_FRAME.validate_json(text)
            if isinstance(frame, PingFrame):
                await self._send(json.dumps({"event": "pong", "data": {}}))
                return
            if isinstance(frame, AuthFrame):
                raise Unprocessable("This connection is already authenticated; reconnect to use another token.")
            client_id = frame.client_id
            message_id = await self._post(frame)
        except ValidationError as exc:
            await self._error(_invalid_frame(exc), client_id)
        except ProblemError as problem:
            await self._error(problem, client_id)
        except Exception:
            logger.exception("posting a message from a WebSocket failed")
            await self._error(ProblemError("Something went wrong on our side; retry the message."), client_id)
        else:
            await self._send(json.dumps({"event": "ack", "data": {"client_id": client_id, "message_id": message_id}}))

    async def _error(self, problem: ProblemError, client_id: Any) -> None:
        data = problem_body(problem) | ({"client_id": client_id} if client_id is not None else {})
        await self._send(json.dumps({"event": "error", "data": data}))

    async def _post(self, frame: MessageFrame) -> str:
        """The post-message use case, in its own unit of work, as the caller the token names (if still valid)."""
        claims = self._claims
        ensure_current(self._container.memberships, claims)
        principal = Principal(claims.user_id, claims.organization_id, Role(claims.role))
        uow = self._container.uow_factory()
        if frame.alert_id is not None:
            return str((await messages.post_on_alert(uow, principal, frame.alert_id, frame.body)).id)
        if principal.role not in _FIELD_ROLES:
            raise Forbidden(
                f"This action needs one of the roles: {', '.join(sorted(_FIELD_ROLES))}.",
                required_roles=sorted(_FIELD_ROLES),
            )
        return str((await messages.post_on_incident(uow, principal, frame.subject_id, frame.body)).id)
