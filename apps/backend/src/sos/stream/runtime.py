"""The live stream of one process: its log, its hub, and with Redis the one subscription that feeds the hub."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol
from uuid import UUID

from sos.auth.membership_watch import MembershipWatch
from sos.core.config import Settings
from sos.stream.domain import Viewer
from sos.stream.hub import StreamHub
from sos.stream.log import MemoryStreamLog, StreamLog

logger = logging.getLogger("sos.stream")

_STARTUP_WAIT_SECONDS = 2.0


class Fanout(Protocol):
    """What feeds the hub changes appended by any process (:class:`sos.stream.redis_log.RedisFanout`)."""

    async def start(self, *, wait_seconds: float) -> None: ...

    async def stop(self) -> None: ...


class LiveStream:
    def __init__(self, settings: Settings, hub: StreamHub, log: StreamLog, fanout: Fanout | None) -> None:
        self.hub = hub
        self.log = log
        self.heartbeat_seconds = settings.stream_heartbeat_seconds
        self._fanout = fanout
        self._sweep_seconds = settings.membership_poll_seconds
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, memberships: MembershipWatch) -> None:
        """Subscribes to the fan-out (waiting a little for it, never failing startup) and starts ending the streams
        of members whose membership changes."""
        if self._fanout is not None:
            await self._fanout.start(wait_seconds=_STARTUP_WAIT_SECONDS)
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(memberships), name="stream-membership-sweep")

    async def _sweep(self, memberships: MembershipWatch) -> None:
        def is_current(viewer: Viewer) -> bool:
            return memberships.is_current(
                user_id=UUID(viewer.user_id),
                organization_id=UUID(viewer.organization_id),
                version=viewer.membership_version,
            )

        while True:
            await asyncio.sleep(self._sweep_seconds)
            try:
                self.hub.sweep(is_current)
            except Exception:
                logger.exception("could not check the memberships of open streams")

    def close_streams(self) -> None:
        """Ends every open stream of this process (shutdown); clients reconnect to another replica."""
        self.hub.close_all()

    async def stop(self) -> None:
        self.hub.close_all()
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        if self._fanout is not None:
            await self._fanout.stop()
        await self.log.close()


def build_live_stream(settings: Settings) -> LiveStream:
    if settings.stream_backend == "memory":
        if settings.workers > 1:
            logger.warning(
                "SOS_STREAM_BACKEND=memory with %d workers: each worker streams only the changes it relays itself; "
                "set SOS_STREAM_BACKEND=redis",
                settings.workers,
            )
        hub = StreamHub(settings.stream_client_queue_size)
        return LiveStream(settings, hub, MemoryStreamLog(hub, settings.stream_retention_events), None)
    # The Redis client takes a noticeable share of startup to import, and the embedded mode never needs it.
    from sos.stream.redis_log import RedisFanout, RedisStreamLog, connect

    # Unavailable until the fan-out subscription is up: a stream opened before would miss changes.
    hub = StreamHub(settings.stream_client_queue_size, available=False)
    log = RedisStreamLog(connect(settings.redis_url), retention=settings.stream_retention_events)
    return LiveStream(settings, hub, log, RedisFanout(settings.redis_url, log.channel, hub))


def build_stream_log(settings: Settings) -> StreamLog | None:
    """The log a `sos consume` process appends to: Redis, shared with the API replicas. An in-memory log there would
    reach no client, so with ``SOS_STREAM_BACKEND=memory`` the Kafka consumers leave the stream out."""
    if settings.stream_backend == "memory":
        logger.warning(
            "SOS_STREAM_BACKEND=memory with SOS_EVENT_BUS=kafka: the API replicas' live streams get no changes; "
            "set SOS_STREAM_BACKEND=redis"
        )
        return None
    from sos.stream.redis_log import RedisStreamLog, connect

    return RedisStreamLog(connect(settings.redis_url), retention=settings.stream_retention_events)
