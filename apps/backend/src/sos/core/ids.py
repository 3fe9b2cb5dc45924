"""Time-ordered unique ids (UUIDv7), so primary keys sort by creation time."""

from uuid import UUID

from uuid6 import uuid7


def new_id() -> UUID:
    return UUID(bytes=uuid7().bytes)
