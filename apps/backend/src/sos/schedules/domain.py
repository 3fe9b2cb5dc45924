"""Who is on call when: rotations, layers and overrides resolved to shifts, as pure functions.

Time rules (the ones other on-call tools keep getting wrong around DST):

* A layer's ``starts_at``, ``ends_at``, hand-off time and restriction windows are wall-clock times in the schedule's
  IANA zone. Daily and weekly hand-offs happen at that local time on every day (or that weekday), so a 09:00
  Europe/Berlin hand-off stays at 09:00 local across DST and the shift spanning the change lasts 23 h or 25 h.
* A local time that does not exist (the spring-forward gap) is read with the offset in force before the gap, which
  moves it forward by the length of the gap: 02:30 on 2026-03-29 in Berlin becomes 03:30 CEST. A local time that occurs
  twice (fall-back) means its first occurrence (``fold=0``). Both rules are those of RFC 5545 section 3.3.5, so the
  calendar feed and the resolver agree, and both come out of ``fold=0`` in :mod:`zoneinfo`.
* Custom rotations step by a fixed number of hours of absolute (UTC) time from the rotation's start: a 12-hour shift
  always lasts 12 hours, so its local hand-off times move by an hour across a DST change.
* Restriction windows limit a layer to local time-of-day windows on some weekdays; the rotation keeps counting outside
  them (a member whose shift falls outside the windows is simply not on call then). A window whose end is not after its
  start runs past midnight into the next day.
* Overrides (and swaps, which are overrides that relieve a named user) beat every layer; among overlapping overrides
  the most recent wins. Otherwise the highest-priority layer with someone on call wins.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WINDOW = timedelta(days=93)
MAX_RESOLVED_SHIFTS = 20_000
"""The most layer and override shifts one resolution may generate before it gives up."""
LONGEST_RESOLUTION = timedelta(days=150)
"""The longest window any reader resolves (a 13-week calendar feed with its padding), for the write-time load check."""
_INSTANT = timedelta(microseconds=1)


class TooManyShifts(Exception):
    """Resolving would generate more shifts than its budget allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"resolving this window takes more than {limit} shifts")
        self.limit = limit


@dataclass
class ShiftBudget:
    """How many more shifts a resolution (or a request resolving several schedules) may generate."""

    limit: int = MAX_RESOLVED_SHIFTS
    spent: int = 0

    def spend(self, count: int = 1) -> None:
        self.spent += count
        if self.spent > self.limit:
            raise TooManyShifts(self.limit)


class RotationKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    CUSTOM = "custom"


class OverrideKind(StrEnum):
    OVERRIDE = "override"
    SWAP = "swap"


class ShiftSource(StrEnum):
    LAYER = "layer"
    OVERRIDE = "override"
    SWAP = "swap"


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant of a wall-clock time: gaps move forward by their length, repeated times take the first."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


@dataclass(frozen=True)
class Restriction:
    weekdays: frozenset[int]
    """0 is Monday; the day the window starts on."""
    start: time
    end: time


@dataclass(frozen=True)
class Layer:
    id: UUID
    priority: int
    rotation: RotationKind
    members: tuple[UUID, ...]
    starts_at: datetime
    """Local wall-clock time, naive."""
    handoff_time: time = time(0)
    handoff_weekday: int | None = None
    shift_length_hours: int | None = None
    ends_at: datetime | None = None
    restrictions: tuple[Restriction, ...] = ()
    position: int = 0


@dataclass(frozen=True)
class Override:
    id: UUID
    user_id: UUID
    starts_at: datetime
    ends_at: datetime
    kind: OverrideKind = OverrideKind.OVERRIDE
    swap_of_user_id: UUID | None = None


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Shift:
    user_id: UUID
    starts_at: datetime
    ends_at: datetime
    source: ShiftSource
    layer_id: UUID | None = None
    override_id: UUID | None = None


# --- rotations -------------------------------------------------------------------------------------------------


def _step(layer: Layer) -> timedelta:
    if layer.rotation is RotationKind.CUSTOM:
        return timedelta(hours=layer.shift_length_hours or 24)
    return timedelta(days=7 if layer.rotation is RotationKind.WEEKLY else 1)


def _first_handoff(layer: Layer) -> datetime:
    """The first local hand-off after the rotation starts (daily and weekly rotations)."""
    start = layer.starts_at
    candidate = datetime.combine(start.date(), layer.handoff_time)
    if layer.rotation is RotationKind.WEEKLY:
        candidate += timedelta(days=((layer.handoff_weekday or 0) - start.weekday()) % 7)
    return candidate if candidate > start else candidate + _step(layer)


def handoff(layer: Layer, zone: ZoneInfo, index: int) -> datetime:
    """The UTC instant shift ``index`` starts; shift 0 starts with the rotation."""
    start = to_utc(layer.starts_at, zone)
    if index == 0:
        return start
    if layer.rotation is RotationKind.CUSTOM:
        return start + index * _step(layer)
    return to_utc(_first_handoff(layer) + (index - 1) * _step(layer), zone)


def _shift_index(layer: Layer, zone: ZoneInfo, at: datetime) -> int:
    """The rotation shift running at ``at`` (0 before the rotation starts)."""
    start = to_utc(layer.starts_at, zone)
    if at <= start:
        return 0
    index = int((at - start) / _step(layer))
    while index > 0 and handoff(layer, zone, index) > at:
        index -= 1
    while handoff(layer, zone, index + 1) <= at:
        index += 1
    return index


def _layer_end(layer: Layer, zone: ZoneInfo) -> datetime | None:
    return None if layer.ends_at is None else to_utc(layer.ends_at, zone)


def rotation_shifts(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[Shift]:
    """The layer's rotation shifts overlapping ``[start, end)``, clipped to it, before restrictions."""
    if not layer.members:
        return
    layer_end = _layer_end(layer, zone)
    stop = end if layer_end is None else min(end, layer_end)
    index = _shift_index(layer, zone, start)
    while (begins := handoff(layer, zone, index)) < stop:
        ends = min(handoff(layer, zone, index + 1), stop)
        begins = max(begins, start)
        if ends > begins:
            yield Shift(layer.members[index % len(layer.members)], begins, ends, ShiftSource.LAYER, layer_id=layer.id)
        index += 1


# --- restrictions ----------------------------------------------------------------------------------------------


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def local_windows(
    restrictions: Iterable[Restriction], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The restriction windows in local wall-clock time that touch ``[start, end)`` (both naive), unclipped."""
    windows = []
    for day in _days(start.date() - timedelta(days=1), end.date()):
        for restriction in restrictions:
            if day.weekday() not in restriction.weekdays:
                continue
            opens = datetime.combine(day, restriction.start)
            closes = datetime.combine(day, restriction.end)
            if closes <= opens:
                closes += timedelta(days=1)
            if opens < end and closes > start:
                windows.append((opens, closes))
    return sorted(windows)


def _utc_windows(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    local = local_windows(layer.restrictions, to_local(start, zone), to_local(end, zone) + timedelta(hours=3))
    return _merged(((to_utc(a, zone), to_utc(b, zone)) for a, b in local), start, end)


def _clip(shifts: Iterable[Shift], windows: Sequence[tuple[datetime, datetime]], layer_id: UUID) -> Iterator[Shift]:
    """The parts of time-ordered, disjoint ``shifts`` inside time-ordered, disjoint ``windows``, in one pass."""
    window = 0
    for shift in shifts:
        while window < len(windows) and windows[window][1] <= shift.starts_at:
            window += 1
        probe = window
        while probe < len(windows) and windows[probe][0] < shift.ends_at:
            begins, ends = max(shift.starts_at, windows[probe][0]), min(shift.ends_at, windows[probe][1])
            if ends > begins:
                yield Shift(shift.user_id, begins, ends, ShiftSource.LAYER, layer_id=layer_id)
            probe += 1


def layer_shifts(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[Shift]:
    """Who this layer puts on call during ``[start, end)``, with its restriction windows applied, in time order."""
    shifts = rotation_shifts(layer, zone, start, end)
    if not layer.restrictions:
        return shifts
    return _clip(shifts, _utc_windows(layer, zone, start, end), layer.id)


# --- resolution ------------------------------------------------------------------------------------------------


def _override_shift(override: Override, start: datetime, end: datetime) -> Shift:
    source = ShiftSource.SWAP if override.kind is OverrideKind.SWAP else ShiftSource.OVERRIDE
    begins, ends = max(override.starts_at, start), min(override.ends_at, end)
    return Shift(override.user_id, begins, ends, source, override_id=override.id)


@dataclass(frozen=True)
class _Candidate:
    shift: Shift
    rank: tuple[int, int, int, int]
    identity: tuple[UUID | None, datetime]


def _candidates(schedule: Schedule, start: datetime, end: datetime, budget: ShiftBudget) -> list[_Candidate]:
    found = []
    for override in schedule.overrides:
        if override.starts_at < end and override.ends_at > start:
            budget.spend()
            rank = (1, 0, 0, override.id.int)
            found.append(_Candidate(_override_shift(override, start, end), rank, (override.id, override.starts_at)))
    for layer in schedule.layers:
        for shift in layer_shifts(layer, schedule.zone, start, end):
            budget.spend()
            found.append(_Candidate(shift, (0, layer.priority, -layer.position, 0), (layer.id, shift.starts_at)))
    return found


def _winners(
    candidates: Sequence[_Candidate], start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime, _Candidate | None]]:
    """Each stretch between two consecutive edges with the top-ranked candidate covering it: a sweep over a heap.

    Among candidates of equal rank the earlier one in ``candidates`` wins. Candidates that have ended stay in the heap
    until they reach its top, so every candidate enters and leaves it once: O(n log n) in all.
    """
    by_start = sorted(range(len(candidates)), key=lambda i: candidates[i].shift.starts_at)
    edges = sorted({start, end} | {c.shift.starts_at for c in candidates} | {c.shift.ends_at for c in candidates})
    heap: list[tuple[tuple[int, int, int, int], int]] = []
    entered = 0
    for begins, ends in pairwise(edges):
        while entered < len(by_start) and candidates[by_start[entered]].shift.starts_at <= begins:
            index = by_start[entered]
            rank = candidates[index].rank
            heapq.heappush(heap, ((-rank[0], -rank[1], -rank[2], -rank[3]), index))
            entered += 1
        while heap and candidates[heap[0][1]].shift.ends_at <= begins:
            heapq.heappop(heap)
        yield begins, ends, candidates[heap[0][1]] if heap else None


def shifts_between(
    schedule: Schedule, start: datetime, end: datetime, budget: ShiftBudget | None = None
) -> list[Shift]:
    """The final, flattened shifts of ``[start, end)`` in time order; nobody on call leaves a hole.

    Raises :class:`TooManyShifts` when the layers and overrides generate more shifts than ``budget`` allows.
    """
    candidates = _candidates(schedule, start, end, budget or ShiftBudget())
    flattened: list[Shift] = []
    last_identity: tuple[UUID | None, datetime] | None = None
    for begins, ends, best in _winners(candidates, start, end):
        if best is None:
            last_identity = None
            continue
        previous = flattened[-1] if flattened else None
        if previous is not None and previous.ends_at == begins and last_identity == best.identity:
            flattened[-1] = Shift(
                previous.user_id, previous.starts_at, ends, previous.source, previous.layer_id, previous.override_id
            )
        else:
            shift = best.shift
            flattened.append(Shift(shift.user_id, begins, ends, shift.source, shift.layer_id, shift.override_id))
        last_identity = best.identity
    return flattened


def on_call_at(schedule: Schedule, at: datetime) -> Shift | None:
    """The shift running at ``at`` (clipped to that instant), or ``None`` when nobody is on call."""
    shifts = shifts_between(schedule, at, at + _INSTANT)
    return shifts[0] if shifts else None


def covers_entirely(shifts: Sequence[Shift], user_id: UUID, start: datetime, end: datetime) -> bool:
    """Whether ``user_id`` is on call during all of ``[start, end)`` according to ``shifts``."""
    reached = start
    for shift in shifts:
        if shift.ends_at <= reached:
            continue
        if shift.starts_at > reached or shift.user_id != user_id:
            return False
        reached = shift.ends_at
        if reached >= end:
            return True
    return reached >= end


# --- validation ------------------------------------------------------------------------------------------------


def shift_load(layer: Layer, span: timedelta = LONGEST_RESOLUTION) -> int:
    """An upper bound on the shifts ``layer`` generates in any window of ``span``, restriction pieces included."""
    rotations = -(-span // _step(layer)) + 2
    weeks = span.days // 7 + 2
    windows = sum(len(restriction.weekdays) for restriction in layer.restrictions) * weeks
    return rotations + windows


_FAR_FUTURE = datetime(9999, 1, 1)


def _coverage_overlaps(first: Layer, second: Layer) -> bool:
    start = max(first.starts_at, second.starts_at)
    end = min(first.ends_at or _FAR_FUTURE, second.ends_at or _FAR_FUTURE)
    if start >= end:
        return False
    if not first.restrictions or not second.restrictions:
        return True
    horizon = min(end, start + timedelta(days=8))
    windows = _merged(local_windows(first.restrictions, start, horizon), start, horizon)
    others = _merged(local_windows(second.restrictions, start, horizon), start, horizon)
    i = j = 0
    while i < len(windows) and j < len(others):
        if max(windows[i][0], others[j][0]) < min(windows[i][1], others[j][1]):
            return True
        if windows[i][1] <= others[j][1]:
            i += 1
        else:
            j += 1
    return False


def _merged(
    windows: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Sorted ``windows`` clipped to ``[start, end)`` with the overlapping ones joined."""
    merged: list[tuple[datetime, datetime]] = []
    for opens, closes in sorted(windows):
        opens, closes = max(opens, start), min(closes, end)
        if closes <= opens:
            continue
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(closes, merged[-1][1]))
        else:
            merged.append((opens, closes))
    return merged


def overlapping_layers(layers: Sequence[Layer]) -> tuple[int, int] | None:
    """The positions of two layers of equal priority whose coverage overlaps, so neither would win."""
    for i, first in enumerate(layers):
        for j in range(i + 1, len(layers)):
            if first.priority == layers[j].priority and _coverage_overlaps(first, layers[j]):
                return i, j
    return None
