"""The stream log on Redis, shared by every API replica, and the one pub/sub subscription per process feeding its hub.

Keys (``<prefix>`` is ``sos:stream`` unless told otherwise):

- ``<prefix>:epoch``: the log's epoch, a random string created when missing. Redis runs without persistence, so a
  restarted Redis has lost the log: it gets a new epoch, and a cursor of the old one resyncs (``stream_reset``).
- ``<prefix>:s:<epoch>:<organization id>``: the organization's Redis Stream, trimmed with ``MAXLEN ~ retention``.
- ``<prefix>:seen:<event id>``: set (``NX``, with a TTL) when an event is appended, so a redelivered event is dropped.
- channel ``<prefix>:db<N>:changes``: every appended entry, published by the same Lua script that appends it, so the
  order of the messages is the order of the log. Pub/sub ignores database numbers, hence the ``db<N>``.

The append script builds key names from the epoch it reads, so it needs a single Redis (or a Sentinel primary), not
Redis Cluster. A cursor has a gap when its own entry is no longer retained (trimming takes the oldest first); the
rare cursor from before the first entry has one when ``XINFO STREAM`` counts more entries added than kept (Redis 7.0
and later; older servers resync such a cursor once the stream is full).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from sos.stream.domain import (
    Audience,
    Cursor,
    Position,
    ResyncNeeded,
    ResyncReason,
    StreamEntry,
    StreamRecord,
    StreamUnavailable,
)
from sos.stream.hub import StreamHub
from sos.stream.log import StreamLog, new_epoch

logger = logging.getLogger("sos.stream.redis")

DEFAULT_PREFIX = "sos:stream"
DEDUP_SECONDS = 3600
"""How long an appended event id is remembered: longer than any redelivery short of an hour-long outage."""
_TIMEOUT_SECONDS = 2.0
_BACKOFF_SECONDS = (0.1, 5.0)

# KEYS[1] epoch key; ARGV: prefix, epoch candidate, maxlen, dedup seconds, channel, then per record:
# organization id, event id, type, audience, change. Returns the epoch and how many records were appended.
_APPEND = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[1], epoch)
end
local appended = 0
for i = 6, #ARGV, 5 do
  local organization, event_id, kind, audience, change = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  if redis.call('SET', ARGV[1] .. ':seen:' .. event_id, '1', 'NX', 'EX', ARGV[4]) then
    local key = ARGV[1] .. ':s:' .. epoch .. ':' .. organization
    local id = redis.call('XADD', key, 'MAXLEN', '~', ARGV[3], '*', 't', kind, 'a', audience, 'c', change)
    redis.call('PUBLISH', ARGV[5], epoch .. '\\n' .. organization .. '\\n' .. id .. '\\n' .. kind .. '\\n' ..
      audience .. '\\n' .. change)
    appended = appended + 1
  end
end
return {epoch, appended}
"""

# KEYS[1] epoch key; ARGV: prefix, epoch candidate, organization id. Returns the epoch and the latest entry id.
_HEAD = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[1], epoch)
end
local last = redis.call('XREVRANGE', ARGV[1] .. ':s:' .. epoch .. ':' .. ARGV[3], '+', '-', 'COUNT', 1)
if #last == 0 then
  return {epoch, '0-0'}
end
return {epoch, last[1][1]}
"""

# KEYS[1] epoch key; ARGV: prefix, cursor epoch, organization id, cursor entry id, count, retention.
# Returns {'stream_reset'}, {'gap'} or {'ok', entries}. Trimming takes the oldest entries, so nothing after the
# cursor is lost while the cursor's own entry is retained; a cursor before any entry (0-0) needs nothing trimmed.
_READ_AFTER = """
local epoch = redis.call('GET', KEYS[1])
if (not epoch) or epoch ~= ARGV[2] then
  return {'stream_reset'}
end
local key = ARGV[1] .. ':s:' .. epoch .. ':' .. ARGV[3]
local after = ARGV[4]
if after == '0-0' then
  if redis.call('EXISTS', key) == 1 then
    local info = redis.call('XINFO', 'STREAM', key)
    local length, added = 0, nil
    for i = 1, #info, 2 do
      if info[i] == 'length' then
        length = info[i + 1]
      elseif info[i] == 'entries-added' then
        added = info[i + 1]
      end
    end
    -- Redis before 7.0 does not count what was added: a full stream may have been trimmed.
    if (added and added > length) or ((not added) and length >= tonumber(ARGV[6])) then
      return {'gap'}
    end
  end
elseif #redis.call('XRANGE', key, after, after) == 0 then
  return {'gap'}
end
return {'ok', redis.call('XRANGE', key, '(' .. after, '+', 'COUNT', ARGV[5])}
"""


def _position(entry_id: str) -> Position:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence)


def _entry_id(position: Position) -> str:
    return f"{position[0]}-{position[1]}"


def channel_name(prefix: str, client: Redis) -> str:
    database = client.connection_pool.connection_kwargs.get("db", 0)
    return f"{prefix}:db{database}:changes"


def connect(url: str, *, retries: bool = True) -> Redis:
    """A client that gives up quickly; without ``retries``, a dropped connection surfaces instead of being redone."""
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": _TIMEOUT_SECONDS,
        "socket_connect_timeout": _TIMEOUT_SECONDS,
    }
    if not retries:
        options["retry"] = Retry(NoBackoff(), 0)
        options["health_check_interval"] = 5
    client: Redis = Redis.from_url(url, **options)
    return client


class RedisStreamLog(StreamLog):
    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX, retention: int) -> None:
        self._client = client
        self._prefix = prefix
        self._retention = retention
        self._epoch_key = f"{prefix}:epoch"
        self.channel = channel_name(prefix, client)
        self._append = client.register_script(_APPEND)
        self._head = client.register_script(_HEAD)
        self._read_after = client.register_script(_READ_AFTER)

    async def append(self, records: Sequence[StreamRecord]) -> None:
        if not records:
            return
        arguments: list[str | int] = [self._prefix, new_epoch(), self._retention, DEDUP_SECONDS, self.channel]
        for record in records:
            arguments += [
                str(record.organization_id),
                str(record.event_id),
                record.type,
                record.audience.dumps(),
                record.change,
            ]
        try:
            await self._append(keys=[self._epoch_key], args=arguments)
        except RedisError as exc:
            raise StreamUnavailable(f"could not append to the live stream log: {exc}") from exc

    async def head(self, organization_id: str) -> Cursor:
        try:
            epoch, last = await self._head(keys=[self._epoch_key], args=[self._prefix, new_epoch(), organization_id])
        except RedisError as exc:
            raise StreamUnavailable(f"could not read the live stream log: {exc}") from exc
        return Cursor(str(epoch), _position(str(last)))

    async def read_after(self, organization_id: str, cursor: Cursor, limit: int) -> list[StreamEntry]:
        try:
            reply = await self._read_after(
                keys=[self._epoch_key],
                args=[
                    self._prefix,
                    cursor.epoch,
                    organization_id,
                    _entry_id(cursor.position),
                    limit,
                    self._retention,
                ],
            )
        except RedisError as exc:
            raise StreamUnavailable(f"could not read the live stream log: {exc}") from exc
        if reply[0] != "ok":
            raise ResyncNeeded(ResyncReason(reply[0]))
        entries = []
        for entry_id, values in reply[1]:
            fields = dict(zip(values[::2], values[1::2], strict=True))
            entries.append(
                StreamEntry(
                    organization_id,
                    cursor.epoch,
                    _position(entry_id),
                    fields["t"],
                    Audience.loads(fields["a"]),
                    fields["c"],
                )
            )
        return entries

    async def close(self) -> None:
        await self._client.aclose()


def parse_message(data: str) -> StreamEntry | None:
    """The entry a fan-out message carries, or None for a message that is not one."""
    parts = data.split("\n", 5)
    if len(parts) != 6:
        return None
    epoch, organization_id, entry_id, kind, audience, change = parts
    try:
        return StreamEntry(organization_id, epoch, _position(entry_id), kind, Audience.loads(audience), change)
    except (ValueError, KeyError, TypeError):
        return None


class RedisFanout:
    """This process's one pub/sub subscription: it feeds every appended entry to the hub.

    While it is down, the hub is unavailable: open streams were told so and closed, and new ones get 503. It
    reconnects with backoff; messages published while it was away are not lost to anyone, since the clients
    reconnect with their cursors and replay them from the log.
    """

    def __init__(self, url: str, channel: str, hub: StreamHub) -> None:
        self._url = url
        self._channel = channel
        self._hub = hub
        self._subscribed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait_seconds: float) -> None:
        """Subscribes in the background; waits a little for the first subscription, never fails startup."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="stream-fanout")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout=wait_seconds)
        if not self._subscribed.is_set():
            logger.warning("Redis is not reachable for the live stream yet; streams get 503 until it is")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        delay = _BACKOFF_SECONDS[0]
        while True:
            if await self._listen():
                delay = _BACKOFF_SECONDS[0]
            await asyncio.sleep(delay)
            delay = min(delay * 2, _BACKOFF_SECONDS[1])

    async def _listen(self) -> bool:
        """Subscribes and feeds the hub until the connection fails; returns whether it got subscribed at all."""
        client = connect(self._url, retries=False)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        subscribed = False
        try:
            await pubsub.subscribe(self._channel)
            subscribed = True
            self._subscribed.set()
            self._hub.mark_available()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                entry = parse_message(message["data"])
                if entry is not None:
                    self._hub.publish(entry)
                    # Lets the streams keeping up send it before the next message is dispatched.
                    await asyncio.sleep(0)
        except (RedisError, OSError) as exc:
            if subscribed:
                logger.warning("lost the live stream's Redis subscription: %s", exc)
            self._subscribed.clear()
            self._hub.mark_unavailable()
        finally:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves PubSub.aclose unannotated
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()
        return subscribed
