"""The live stream's vocabulary: topics, cursors, audiences, viewers and the entries a stream log keeps."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from sos.users.domain import Role


class LiveTopic(StrEnum):
    """What a screen shows, by kind; the web console's ``LiveTopic`` (apps/frontend/src/lib/live/live-source.tsx)."""

    ALERTS = "alerts"
    ALERT = "alert"
    INCIDENTS = "incidents"
    INCIDENT = "incident"
    MESSAGES = "messages"
    TIMELINE = "timeline"
    LOCATIONS = "locations"
    ASSIGNMENTS = "assignments"
    RESPONDERS = "responders"
    NOTIFICATIONS = "notifications"
    DIRECTORY = "directory"


class ResyncReason(StrEnum):
    """Why a client must refetch everything it shows."""

    GAP = "gap"
    """Its cursor is older than what the log retains: changes were trimmed away."""
    STREAM_RESET = "stream_reset"
    """Its cursor belongs to another epoch of the log (a restarted process or Redis), or is not a cursor at all."""
    OVERFLOW = "overflow"
    """Reserved: this server closes a client that falls behind without it, and replays on reconnect instead."""


Position = tuple[int, int]
"""Where an entry sits in its organization's log: Redis stream ids (milliseconds, sequence), or (counter, 0)."""
START: Position = (0, 0)
"""Before the first entry."""

_CURSOR = re.compile(r"^([0-9a-f]{1,32})-([0-9]{1,20})-([0-9]{1,20})$")


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in one epoch of the log; clients see it as the opaque ``<epoch>-<position>``."""

    epoch: str
    position: Position

    def __str__(self) -> str:
        return f"{self.epoch}-{self.position[0]}-{self.position[1]}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor ``text`` spells, or None when it is not one."""
        match = _CURSOR.match(text.strip())
        if match is None:
            return None
        return cls(match.group(1), (int(match.group(2)), int(match.group(3))))


RESPONDER_ROLE = Role.RESPONDER.value


@dataclass(slots=True)
class Viewer:
    """Who holds a stream: loaded when it connects. Ids are strings, as the audiences that are matched against them."""

    user_id: str
    organization_id: str
    role: str
    team_ids: set[str]
    membership_version: int


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may receive an event: every member with one of ``roles``, the ``users`` it names, and, while they hold the
    responder role, the ``responders`` it names and the members of ``teams``. Decided when the event is appended, by
    the REST API's visibility rules (:mod:`sos.stream.catalog`): being assigned to an alert, directly or through a
    team, lets a responder see it, never a reporter who happens to sit in the team."""

    roles: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    responders: frozenset[str] = frozenset()

    def admits(self, viewer: Viewer) -> bool:
        if viewer.role in self.roles or viewer.user_id in self.users:
            return True
        if viewer.role != RESPONDER_ROLE:
            return False
        return viewer.user_id in self.responders or (bool(self.teams) and not self.teams.isdisjoint(viewer.team_ids))

    def dumps(self) -> str:
        return json.dumps(
            {"r": sorted(self.roles), "u": sorted(self.users), "t": sorted(self.teams), "f": sorted(self.responders)}
        )

    @classmethod
    def loads(cls, text: str) -> Audience:
        raw = json.loads(text)
        return cls(frozenset(raw["r"]), frozenset(raw["u"]), frozenset(raw["t"]), frozenset(raw.get("f", ())))


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """A change to append: ``change`` is the JSON object clients receive as the data of a ``change`` event."""

    event_id: UUID
    organization_id: UUID
    type: str
    audience: Audience
    change: str


@dataclass(slots=True, eq=False)
class StreamEntry:
    """A change at its position in the log. Its wire forms are rendered once, however many clients receive it."""

    organization_id: str
    epoch: str
    position: Position
    type: str
    audience: Audience
    change: str
    _sse: bytes | None = field(default=None, repr=False)
    _socket: str | None = field(default=None, repr=False)
    _data: dict[str, Any] | None = field(default=None, repr=False)

    name = "change"

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.epoch, self.position)

    @property
    def data(self) -> dict[str, Any]:
        """The allowlisted ``data`` of the change, parsed on first use."""
        if self._data is None:
            parsed: dict[str, Any] = json.loads(self.change)["data"]
            self._data = parsed
        return self._data

    def sse(self) -> bytes:
        if self._sse is None:
            self._sse = f"event: change\nid: {self.cursor}\ndata: {self.change}\n\n".encode()
        return self._sse

    def socket(self) -> str:
        if self._socket is None:
            self._socket = f'{{"event":"change","id":"{self.cursor}","data":{self.change}}}'
        return self._socket


@dataclass(frozen=True, slots=True)
class Frame:
    """Any other server event (``ready``, ``resync``, ``heartbeat``, ``token_expired``, ``unavailable``)."""

    name: str
    data: dict[str, Any]

    def sse(self) -> bytes:
        return f"event: {self.name}\ndata: {json.dumps(self.data)}\n\n".encode()

    def socket(self) -> str:
        return json.dumps({"event": self.name, "data": self.data})


Outgoing = StreamEntry | Frame


RETRY_AFTER_SECONDS = 3
"""What a client is told to wait before it retries a stream the fan-out could not serve."""


class StreamUnavailable(ConnectionError):
    """The fan-out (Redis) cannot be reached right now.

    A ``ConnectionError``, so the Kafka consumers count it as an outage: they retry the batch instead of
    dead-lettering it."""

    def __init__(self, detail: str, *, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ResyncNeeded(Exception):
    """The log cannot replay after a cursor: the client must refetch everything it shows."""

    def __init__(self, reason: ResyncReason) -> None:
        super().__init__(reason.value)
        self.reason = reason
