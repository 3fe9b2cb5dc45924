"""RFC 5545 calendars of on-call shifts, with UTC times and one stable UID per shift."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from icalendar import Calendar, Event

from sos.schedules.domain import Shift

PRODUCT_ID = "-//SOS Platform//On-call schedules//EN"
_UID_NAMESPACE = UUID("4f0b3c57-3a59-4a8e-9a43-1d7b8c9f5e21")


@dataclass(frozen=True)
class FeedShift:
    schedule_id: UUID
    schedule_name: str
    shift: Shift
    user_name: str


def shift_uid(schedule_id: UUID, shift: Shift) -> str:
    """The same shift (schedule, person, start) keeps its UID across fetches, so calendars update it in place."""
    key = f"{schedule_id}/{shift.user_id}/{shift.starts_at.isoformat()}"
    return f"{uuid5(_UID_NAMESPACE, key)}@sos-platform"


def _event(entry: FeedShift, now: datetime) -> Event:
    event = Event()
    event.add("uid", shift_uid(entry.schedule_id, entry.shift))
    event.add("dtstamp", now)
    event.add("dtstart", entry.shift.starts_at)
    event.add("dtend", entry.shift.ends_at)
    event.add("summary", f"On call: {entry.user_name} ({entry.schedule_name})")
    event.add("description", f"{entry.shift.source.value} shift on {entry.schedule_name}")
    event.add("transp", "TRANSPARENT")
    return event


def calendar(name: str, entries: Iterable[FeedShift], *, now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for entry in entries:
        cal.add_component(_event(entry, now))
    feed: bytes = cal.to_ical()
    return feed
