"""The safety check-in timer, free of I/O.

active ─cancel ("I'm safe")─▶ cancelled
   │ └─extend─▶ active (a new due time)
   └─due time passes─▶ expired (an SOS was raised)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sos.alerts.domain import Category, Severity


class CheckinStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CheckinAction(StrEnum):
    EXTEND = "extend"
    CANCEL = "cancel"
    UPDATE_LOCATION = "update_location"


MIN_LEAD = timedelta(minutes=1)
MAX_LEAD = timedelta(hours=24)
DEFAULT_SEVERITY = Severity.HIGH
DEFAULT_CATEGORY = Category.PERSONAL_SAFETY
MISSED_NOTE = "Check-in missed"


class DueTimeRefused(ValueError):
    """The requested due time is unusable; ``field`` names the request field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def due_time(now: datetime, *, due_at: datetime | None, duration_minutes: int | None) -> datetime:
    """The UTC due time asked for by either an absolute ``due_at`` or a ``duration_minutes`` from ``now``."""
    if due_at is not None and duration_minutes is not None:
        raise DueTimeRefused("due_at", "send either due_at or duration_minutes, not both")
    if due_at is None and duration_minutes is None:
        raise DueTimeRefused("due_at", "send due_at or duration_minutes")
    if due_at is None:
        return now + timedelta(minutes=duration_minutes or 0)
    if due_at - now < MIN_LEAD:
        raise DueTimeRefused("due_at", "must be at least one minute from now")
    if due_at - now > MAX_LEAD:
        raise DueTimeRefused("due_at", "must be at most 24 hours from now")
    return due_at


def missed_note(note: str | None) -> str:
    """The note of the SOS a missed check-in raises."""
    return f"{MISSED_NOTE}: {note}" if note else MISSED_NOTE
