"""The Server-Sent Events transport: one stream session written to one HTTP response."""

from __future__ import annotations

import contextlib

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sos.stream.service import StreamSession


class EventStreamResponse(Response):
    """Writes a session's frames as ``text/event-stream``; ends when the session ends, the client goes away, or the
    hub drops the session for falling behind (then even a write blocked on a client that stopped reading is cut)."""

    media_type = "text/event-stream"

    def __init__(self, session: StreamSession) -> None:
        super().__init__(
            status_code=200,
            media_type=self.media_type,
            # Proxies must pass each event on at once, not buffer or cache the stream.
            headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
        )
        # Starlette counts the (empty) body; a stream has no length.
        self.raw_headers = [(name, value) for name, value in self.raw_headers if name != b"content-length"]
        self._session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        aborted = False
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            async with anyio.create_task_group() as group:

                def abort() -> None:
                    nonlocal aborted
                    aborted = True
                    group.cancel_scope.cancel()

                self._session.on_abort(abort)
                group.start_soon(_until_disconnected, receive, group.cancel_scope)
                async with contextlib.aclosing(self._session.frames()) as frames:
                    async for frame in frames:
                        await send({"type": "http.response.body", "body": frame.sse(), "more_body": True})
                group.cancel_scope.cancel()
            if not aborted:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await self._session.close()


async def _until_disconnected(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
