"""The live stream: Server-Sent Events at ``GET /api/v1/stream``, and a WebSocket at ``/api/v1/stream/ws``.

The protocol (events, cursors, resync, heartbeats, expiry, failure behaviour) is written down in docs/realtime.md.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, WebSocket

from sos.core.container import Container
from sos.core.dependencies import ContainerDep, UnitOfWorkDep
from sos.stream import service
from sos.stream.dependencies import StreamClaims
from sos.stream.domain import StreamUnavailable
from sos.stream.socket import serve_socket
from sos.stream.sse import EventStreamResponse

router = APIRouter(prefix="/stream", tags=["stream"])

_CURSOR_HELP = "The last cursor (the `id` of the last `change` event) this client saw, to replay what came after it"


@router.get(
    "",
    operation_id="open_live_stream",
    summary="Live changes you may see, as Server-Sent Events",
    description="Named events `ready`, `change`, `resync`, `heartbeat`, `token_expired` and `unavailable`, each "
    "with one JSON object as its data; see docs/realtime.md. Resume with `Last-Event-ID`.",
    response_class=EventStreamResponse,
    status_code=200,
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "The event stream"},
        503: {"description": "The fan-out is unavailable: poll, and retry after Retry-After seconds"},
    },
)
async def open_live_stream(
    container: ContainerDep,
    claims: StreamClaims,
    uow: UnitOfWorkDep,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=100, description=_CURSOR_HELP)
    ] = None,
    last_event_id: Annotated[
        str | None, Query(max_length=100, description=f"{_CURSOR_HELP}, for clients that cannot set headers")
    ] = None,
) -> EventStreamResponse:
    viewer = await service.load_viewer(uow, claims)
    session = service.StreamSession(
        container.stream,
        viewer,
        expires_at=claims.expires_at,
        last_event_id=last_event_id_header if last_event_id_header is not None else last_event_id,
    )
    try:
        await session.open()
    except StreamUnavailable as exc:
        raise service.unavailable_problem(exc) from exc
    return EventStreamResponse(session)


@router.websocket("/ws", name="live_stream_socket")
async def live_stream_socket(websocket: WebSocket) -> None:
    container: Container = websocket.app.state.container
    await serve_socket(websocket, container)
