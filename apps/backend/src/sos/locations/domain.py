"""Location fixes as the trail stores them, and the rules every upload follows, free of I/O.

A fix is one position a device took at one moment. Responders upload their own fixes (the coordinator map follows
them); a person who raised an SOS uploads fixes to their alert's trail. Either may send one fix or a batch: a phone
that was offline replays its queue in batches of up to :data:`MAX_BATCH_FIXES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sos.core.errors import Unprocessable

MAX_BATCH_FIXES = 100
"""Fixes one request may carry: a ten-minute offline queue at one fix every six seconds, in well under 64 KiB."""

FUTURE_FIX_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the server a device clock may run before its fixes are refused as a clock error."""


@dataclass(frozen=True, slots=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float | None
    recorded_at: datetime


def in_order(fixes: Iterable[Fix]) -> list[Fix]:
    """Oldest first, keeping the upload's order among equal times, without a repeated time (a queue sent twice)."""
    seen: set[datetime] = set()
    ordered = []
    for fix in sorted(fixes, key=lambda fix: fix.recorded_at):
        if fix.recorded_at not in seen:
            seen.add(fix.recorded_at)
            ordered.append(fix)
    return ordered


def future_fix_errors(times: Sequence[datetime | None], now: datetime, *, pointer: str) -> list[dict[str, str]]:
    """One error per fix taken more than :data:`FUTURE_FIX_TOLERANCE` after ``now``; ``pointer`` is a format string
    with ``{index}`` for a batch."""
    return [
        {
            "in": "body",
            "pointer": pointer.format(index=index),
            "type": "value_error",
            "message": "in the future; check the device clock",
        }
        for index, recorded_at in enumerate(times)
        if recorded_at is not None and recorded_at > now + FUTURE_FIX_TOLERANCE
    ]


def refuse_future_fixes(times: Sequence[datetime | None], now: datetime, *, pointer: str) -> None:
    errors = future_fix_errors(times, now, pointer=pointer)
    if errors:
        raise Unprocessable(
            f"recorded_at lies more than {int(FUTURE_FIX_TOLERANCE.total_seconds() // 60)} minutes in the future; "
            "check the device clock.",
            errors=errors,
        )


def capped(fix: Fix, now: datetime) -> Fix:
    """A fix from a clock running slightly ahead counts as taken now, so it never holds back the fixes after it."""
    if fix.recorded_at <= now:
        return fix
    return Fix(lat=fix.lat, lon=fix.lon, accuracy_m=fix.accuracy_m, recorded_at=now)


def refuse_backwards_window(since: datetime | None, until: datetime | None) -> None:
    """A trail query's ``until`` must not come before its ``since``."""
    if since is not None and until is not None and until < since:
        raise Unprocessable(
            "until comes before since.",
            errors=[{"in": "query", "pointer": "#/until", "type": "value_error", "message": "before since"}],
        )
