"""The stream log: each organization's recent changes in order, for Last-Event-ID replay.

Two backends share one interface. :class:`MemoryStreamLog` keeps a ring buffer per organization in this process
(the embedded mode: one process). :class:`sos.stream.redis_log.RedisStreamLog` keeps a Redis Stream per
organization, shared by every API replica. Both drop an event id they already hold, number entries monotonically
within an epoch, and raise :class:`~sos.stream.domain.ResyncNeeded` when asked to replay after a cursor of another
epoch (``stream_reset``) or one whose successors were trimmed away (``gap``).
"""

from __future__ import annotations

import asyncio
import secrets
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from uuid import UUID

from sos.stream.domain import Cursor, ResyncNeeded, ResyncReason, StreamEntry, StreamRecord
from sos.stream.hub import StreamHub


def new_epoch() -> str:
    return secrets.token_hex(6)


class StreamLog(ABC):
    @abstractmethod
    async def append(self, records: Sequence[StreamRecord]) -> None:
        """Appends the records whose event ids the log does not hold yet, and fans them out to every process."""

    @abstractmethod
    async def head(self, organization_id: str) -> Cursor:
        """The cursor of the organization's latest entry (position (0, 0) when it has none) in the current epoch."""

    @abstractmethod
    async def read_after(self, organization_id: str, cursor: Cursor, limit: int) -> list[StreamEntry]:
        """Up to ``limit`` entries after ``cursor``, oldest first; raises ResyncNeeded when that cannot be told."""

    @abstractmethod
    async def close(self) -> None:
        """Releases its connections."""


@dataclass(slots=True)
class _Organization:
    entries: deque[StreamEntry]
    last: int = 0
    seen: OrderedDict[UUID, None] = field(default_factory=OrderedDict)


class MemoryStreamLog(StreamLog):
    """One process's log: a ring buffer of ``retention`` entries per organization, a new random epoch per start."""

    def __init__(self, hub: StreamHub, retention: int) -> None:
        self._hub = hub
        self._retention = retention
        self._organizations: dict[str, _Organization] = {}
        self.epoch = new_epoch()

    def _organization(self, organization_id: str) -> _Organization:
        organization = self._organizations.get(organization_id)
        if organization is None:
            organization = self._organizations[organization_id] = _Organization(deque(maxlen=self._retention))
        return organization

    async def append(self, records: Sequence[StreamRecord]) -> None:
        for record in records:
            organization = self._organization(str(record.organization_id))
            if record.event_id in organization.seen:
                continue
            organization.seen[record.event_id] = None
            if len(organization.seen) > self._retention:
                organization.seen.popitem(last=False)
            organization.last += 1
            entry = StreamEntry(
                str(record.organization_id),
                self.epoch,
                (organization.last, 0),
                record.type,
                record.audience,
                record.change,
            )
            organization.entries.append(entry)
            self._hub.publish(entry)
            # Lets the streams that are keeping up send it before the next one, so a burst does not fill their queues.
            await asyncio.sleep(0)

    async def head(self, organization_id: str) -> Cursor:
        organization = self._organizations.get(organization_id)
        return Cursor(self.epoch, (organization.last if organization else 0, 0))

    async def read_after(self, organization_id: str, cursor: Cursor, limit: int) -> list[StreamEntry]:
        if cursor.epoch != self.epoch:
            raise ResyncNeeded(ResyncReason.STREAM_RESET)
        organization = self._organizations.get(organization_id)
        last = organization.last if organization else 0
        after, sequence = cursor.position
        if sequence != 0 or after > last:
            raise ResyncNeeded(ResyncReason.GAP)
        if organization is None or after == last:
            return []
        first = organization.entries[0].position[0]
        if after < first - 1:
            raise ResyncNeeded(ResyncReason.GAP)
        start = after - first + 1
        return list(islice(organization.entries, start, start + limit))

    async def close(self) -> None:
        """Holds no connections."""
