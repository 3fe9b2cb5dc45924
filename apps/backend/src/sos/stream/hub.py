"""The per-process hub: every open stream of this process subscribes here, and each appended change is offered to
the subscribers of its organization whose viewer its audience admits.

Publishing never blocks. Each subscriber has a bounded queue; one that overflows (its client stopped reading) is
dropped at once, without a final event, and its connection is aborted: the client reconnects with its last cursor
and replays what it missed from the log, or resyncs when that is no longer retained. Nobody else waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sos.stream.catalog import TEAM_MEMBERSHIP_TYPES
from sos.stream.domain import RETRY_AFTER_SECONDS, StreamEntry, StreamUnavailable, Viewer

logger = logging.getLogger("sos.stream.hub")

_GRACE_SECONDS = 5.0
"""How long a stream ended for a reason it can tell its client (unavailable, membership) may take to send it."""


class Closed(StrEnum):
    OVERFLOW = "overflow"
    """Fell behind: aborted without a final event; the client replays from its cursor when it reconnects."""
    UNAVAILABLE = "unavailable"
    """The fan-out was lost: the client polls and retries."""
    MEMBERSHIP = "membership"
    """The member was deactivated or their role changed: the client refreshes its token (or cannot)."""
    SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True)
class Ended:
    """The last item a subscription's queue holds."""

    reason: Closed
    retry_after: int = 0


class Subscription:
    """One open stream's place in the hub."""

    __slots__ = ("_abort", "ended", "queue", "viewer")

    def __init__(self, viewer: Viewer, queue_size: int) -> None:
        self.viewer = viewer
        self.queue: asyncio.Queue[StreamEntry | Ended] = asyncio.Queue(queue_size)
        self.ended: Ended | None = None
        self._abort: Callable[[], None] | None = None

    def on_abort(self, abort: Callable[[], None] | None) -> None:
        """``abort`` cuts the connection even while it is blocked writing to a client that does not read."""
        self._abort = abort

    def offer(self, entry: StreamEntry) -> bool:
        """Queues ``entry``; False when the queue is full."""
        try:
            self.queue.put_nowait(entry)
        except asyncio.QueueFull:
            return False
        return True

    def end(self, ended: Ended, *, abort_after: float | None) -> None:
        """Replaces whatever is queued with ``ended``; aborts the connection now (0), after a grace, or never."""
        if self.ended is not None:
            return
        self.ended = ended
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(ended)
        if abort_after == 0:
            self._fire_abort()
        elif abort_after is not None:
            asyncio.get_running_loop().call_later(abort_after, self._fire_abort)

    def _fire_abort(self) -> None:
        abort, self._abort = self._abort, None
        if abort is not None:
            abort()


class StreamHub:
    def __init__(self, queue_size: int, *, available: bool = True) -> None:
        self._queue_size = queue_size
        self._by_organization: dict[str, set[Subscription]] = {}
        self._available = available
        self.dropped = 0
        """Subscribers dropped for falling behind, since the process started."""

    @property
    def available(self) -> bool:
        return self._available

    @property
    def subscriber_count(self) -> int:
        return sum(len(subscriptions) for subscriptions in self._by_organization.values())

    def subscribe(self, viewer: Viewer) -> Subscription:
        if not self._available:
            raise StreamUnavailable("the live stream's fan-out is unavailable")
        subscription = Subscription(viewer, self._queue_size)
        self._by_organization.setdefault(viewer.organization_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscriptions = self._by_organization.get(subscription.viewer.organization_id)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._by_organization[subscription.viewer.organization_id]

    def publish(self, entry: StreamEntry) -> None:
        """Offers ``entry`` to its organization's subscribers; never waits for any of them."""
        subscriptions = self._by_organization.get(entry.organization_id)
        if not subscriptions:
            return
        if entry.type in TEAM_MEMBERSHIP_TYPES:
            self._follow_team_membership(entry, subscriptions)
        behind = [
            subscription
            for subscription in subscriptions
            if entry.audience.admits(subscription.viewer) and not subscription.offer(entry)
        ]
        for subscription in behind:
            self._drop(subscription)

    def _follow_team_membership(self, entry: StreamEntry, subscriptions: set[Subscription]) -> None:
        """A responder added to (removed from) a team sees (stops seeing) the alerts assigned to it from now on."""
        user_id, team_id = entry.data.get("user_id"), entry.data.get("team_id")
        if not isinstance(user_id, str) or not isinstance(team_id, str):
            return
        for subscription in subscriptions:
            if subscription.viewer.user_id == user_id:
                if entry.type == "team.member_added":
                    subscription.viewer.team_ids.add(team_id)
                else:
                    subscription.viewer.team_ids.discard(team_id)

    def _drop(self, subscription: Subscription) -> None:
        self.dropped += 1
        logger.warning(
            "dropped a live stream of user %s that fell %d changes behind; it replays when it reconnects",
            subscription.viewer.user_id,
            self._queue_size,
        )
        self.unsubscribe(subscription)
        subscription.end(Ended(Closed.OVERFLOW), abort_after=0)

    def _end_all(self, ended: Ended, *, abort_after: float | None) -> int:
        everyone = [subscription for group in self._by_organization.values() for subscription in group]
        self._by_organization = {}
        for subscription in everyone:
            subscription.end(ended, abort_after=abort_after)
        return len(everyone)

    def mark_unavailable(self, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        """The fan-out is lost: open streams are told so and closed, and new ones are refused until it is back."""
        if not self._available:
            return
        self._available = False
        closed = self._end_all(Ended(Closed.UNAVAILABLE, retry_after), abort_after=_GRACE_SECONDS)
        logger.warning("the live stream's fan-out is unavailable; closed %d streams", closed)

    def mark_available(self) -> None:
        if not self._available:
            logger.info("the live stream's fan-out is back")
        self._available = True

    def sweep(self, is_current: Callable[[Viewer], bool]) -> None:
        """Ends the streams of members whose membership changed (deactivated, role changed) since they connected."""
        for subscriptions in list(self._by_organization.values()):
            for subscription in list(subscriptions):
                if not is_current(subscription.viewer):
                    self.unsubscribe(subscription)
                    subscription.end(Ended(Closed.MEMBERSHIP), abort_after=_GRACE_SECONDS)

    def close_all(self) -> None:
        """Shutdown: every stream ends at once."""
        self._end_all(Ended(Closed.SHUTDOWN), abort_after=0)
