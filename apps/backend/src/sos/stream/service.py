"""Opening a stream: who is asking, and what they receive, in order, over SSE and WebSocket alike.

A session subscribes to the hub before it reads the log, so nothing appended in between is missed: it replays the
log after the client's cursor while new entries wait in its queue, sends ``ready``, then sends the queued entries
it has not replayed (by position) and everything after, live. It sends a heartbeat when idle, and ends with
``token_expired`` at the access token's expiry or when the member's membership changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import select

from sos.auth.membership_watch import MembershipWatch
from sos.core.db import utcnow
from sos.core.errors import ErrorCode, ServiceUnavailable, Unauthenticated
from sos.core.security import AccessClaims, InvalidAccessToken, TokenSigner
from sos.core.uow import UnitOfWork
from sos.stream.domain import (
    START,
    Cursor,
    Frame,
    Outgoing,
    Position,
    ResyncNeeded,
    ResyncReason,
    StreamEntry,
    StreamUnavailable,
    Viewer,
)
from sos.stream.hub import Closed, Ended, Subscription
from sos.stream.runtime import LiveStream
from sos.teams.models import TeamMember
from sos.users.domain import Role

REPLAY_PAGE = 500
"""Entries read from the log per round trip while replaying."""


def authenticate(signer: TokenSigner, memberships: MembershipWatch, token: str) -> AccessClaims:
    """The claims of a valid, current access token; 401 otherwise, as for any other route."""
    try:
        claims = signer.verify(token)
        Role(claims.role)
    except (InvalidAccessToken, ValueError) as exc:
        raise Unauthenticated(
            "The access token is invalid or expired; refresh it or log in again.", code=ErrorCode.INVALID_TOKEN
        ) from exc
    ensure_current(memberships, claims)
    return claims


def ensure_current(memberships: MembershipWatch, claims: AccessClaims) -> None:
    """401 once the token has expired or its membership changed (deactivated, role changed)."""
    if claims.expires_at <= utcnow():
        raise Unauthenticated("The access token has expired; refresh it and reconnect.", code=ErrorCode.INVALID_TOKEN)
    if not memberships.is_current(
        user_id=claims.user_id, organization_id=claims.organization_id, version=claims.membership_version
    ):
        raise Unauthenticated(
            "Your membership changed after this token was issued; refresh it or log in again.",
            code=ErrorCode.INVALID_TOKEN,
        )


async def load_viewer(uow: UnitOfWork, claims: AccessClaims) -> Viewer:
    """The viewer a stream filters for, with the teams they belong to now (kept current while the stream is open)."""
    async with uow.read():
        teams = await uow.connection.execute(
            select(TeamMember.team_id).where(
                TeamMember.user_id == claims.user_id, TeamMember.organization_id == claims.organization_id
            )
        )
        team_ids = {str(team_id) for team_id in teams.scalars()}
    return Viewer(
        user_id=str(claims.user_id),
        organization_id=str(claims.organization_id),
        role=claims.role,
        team_ids=team_ids,
        membership_version=claims.membership_version,
    )


def unavailable_problem(exc: StreamUnavailable) -> ServiceUnavailable:
    return ServiceUnavailable(
        "The live stream is unavailable right now; keep polling and retry the stream shortly.",
        headers={"Retry-After": str(exc.retry_after)},
        retry_after=exc.retry_after,
    )


class StreamSession:
    """One client's stream. ``open()`` before anything is sent (it may raise StreamUnavailable, a 503), then
    iterate :meth:`frames`, then ``close()``; or use it as ``async with``."""

    def __init__(self, live: LiveStream, viewer: Viewer, *, expires_at: datetime, last_event_id: str | None) -> None:
        self._live = live
        self._viewer = viewer
        self._expires_at = expires_at
        self._last_event_id = last_event_id
        self._subscription: Subscription | None = None
        self._head = Cursor("", START)
        self.ended: Closed | str | None = None
        """Why :meth:`frames` stopped: a :class:`Closed` reason, or ``"token_expired"``."""

    async def open(self) -> None:
        subscription = self._live.hub.subscribe(self._viewer)
        try:
            self._head = await self._live.log.head(self._viewer.organization_id)
        except BaseException:
            self._live.hub.unsubscribe(subscription)
            raise
        self._subscription = subscription

    async def close(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.on_abort(None)
            self._live.hub.unsubscribe(subscription)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    def on_abort(self, abort: Callable[[], None]) -> None:
        """``abort`` cuts the connection when the hub drops this stream while it is blocked writing."""
        self.subscription.on_abort(abort)

    @property
    def subscription(self) -> Subscription:
        if self._subscription is None:
            raise RuntimeError("the stream session is not open")
        return self._subscription

    async def frames(self) -> AsyncGenerator[Outgoing]:
        """Replay (or resync), ``ready``, then live changes and heartbeats until the stream ends."""
        epoch, last = self._head.epoch, self._head.position
        if self._last_event_id is not None:
            cursor = Cursor.parse(self._last_event_id)
            if cursor is None or cursor.epoch != epoch:
                yield _resync(ResyncReason.STREAM_RESET)
            else:
                try:
                    async for entry in self._replay(cursor):
                        last = max(last, entry.position)
                        if entry.audience.admits(self._viewer):
                            yield entry
                except ResyncNeeded as needed:
                    yield _resync(needed.reason)
                except StreamUnavailable as exc:
                    self.ended = Closed.UNAVAILABLE
                    yield Frame("unavailable", {"retry_after": exc.retry_after})
                    return
        yield Frame(
            "ready",
            {
                "cursor": str(Cursor(epoch, last)),
                "heartbeat_seconds": self._live.heartbeat_seconds,
                "expires_at": self._expires_at.isoformat(),
            },
        )
        async for frame in self._live_frames(epoch, last):
            yield frame

    async def _replay(self, cursor: Cursor) -> AsyncIterator[StreamEntry]:
        """Every entry after ``cursor`` (the audience is checked by the caller), page by page."""
        while True:
            page = await self._live.log.read_after(self._viewer.organization_id, cursor, REPLAY_PAGE)
            for entry in page:
                yield entry
            if len(page) < REPLAY_PAGE:
                return
            cursor = page[-1].cursor

    async def _live_frames(self, epoch: str, last: Position) -> AsyncIterator[Outgoing]:
        loop = asyncio.get_running_loop()
        queue = self.subscription.queue
        heartbeat = self._live.heartbeat_seconds
        expiry = loop.time() + (self._expires_at - utcnow()).total_seconds()
        next_beat = loop.time() + heartbeat
        while True:
            now = loop.time()
            if now >= expiry:
                self.ended = "token_expired"
                yield Frame("token_expired", {"reason": "expired"})
                return
            if now >= next_beat:
                yield Frame("heartbeat", {"at": utcnow().isoformat()})
                next_beat = loop.time() + heartbeat
                continue
            try:
                async with asyncio.timeout_at(min(expiry, next_beat)):
                    item = await queue.get()
            except TimeoutError:
                continue
            if isinstance(item, Ended):
                self.ended = item.reason
                ending = _ending_frame(item)
                if ending is not None:
                    yield ending
                return
            if item.epoch != epoch:
                # The log was reset (Redis restarted empty): what the client holds may be stale.
                yield _resync(ResyncReason.STREAM_RESET)
                epoch, last = item.epoch, START
            elif item.position <= last:
                continue  # already replayed
            last = item.position
            yield item
            next_beat = loop.time() + heartbeat


def _resync(reason: ResyncReason) -> Frame:
    return Frame("resync", {"reason": reason.value})


def _ending_frame(ended: Ended) -> Frame | None:
    if ended.reason is Closed.UNAVAILABLE:
        return Frame("unavailable", {"retry_after": ended.retry_after})
    if ended.reason is Closed.MEMBERSHIP:
        return Frame("token_expired", {"reason": "membership_changed"})
    return None
