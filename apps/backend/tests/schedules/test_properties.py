"""Properties of resolution for any rotation in zones with DST (including Lord Howe's 30-minute change)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sos.schedules.domain import Layer, RotationKind, Schedule, on_call_at, shifts_between, to_utc

ZONES = [ZoneInfo(name) for name in ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC")]
MEMBERS = tuple(UUID(int=n) for n in range(1, 5))


@st.composite
def single_layer_schedules(draw: st.DrawFn, rotations: tuple[RotationKind, ...] = tuple(RotationKind)) -> Schedule:
    rotation = draw(st.sampled_from(rotations))
    starts_at = draw(st.datetimes(min_value=datetime(2025, 10, 1), max_value=datetime(2026, 12, 1)))
    return Schedule(
        zone=draw(st.sampled_from(ZONES)),
        layers=(
            Layer(
                id=UUID(int=99),
                priority=0,
                rotation=rotation,
                members=MEMBERS[: draw(st.integers(1, 4))],
                starts_at=starts_at.replace(second=0, microsecond=0),
                handoff_time=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))),
                handoff_weekday=draw(st.integers(0, 6)) if rotation is RotationKind.WEEKLY else None,
                shift_length_hours=draw(st.integers(1, 72)) if rotation is RotationKind.CUSTOM else None,
            ),
        ),
    )


windows = st.tuples(
    st.datetimes(min_value=datetime(2025, 9, 1), max_value=datetime(2027, 1, 1), timezones=st.just(ZoneInfo("UTC"))),
    st.timedeltas(min_value=timedelta(hours=1), max_value=timedelta(days=40)),
)


@settings(max_examples=150, deadline=None)
@given(single_layer_schedules(), windows)
def test_a_full_coverage_layer_covers_every_instant_with_contiguous_shifts(
    plan: Schedule, window: tuple[datetime, timedelta]
) -> None:
    start, length = window
    end = start + length
    begins = max(start, to_utc(plan.layers[0].starts_at, plan.zone))
    shifts = shifts_between(plan, start, end)
    if begins >= end:
        assert shifts == []
        return
    assert shifts[0].starts_at == begins
    assert shifts[-1].ends_at == end
    assert all(shift.starts_at < shift.ends_at for shift in shifts)
    assert all(a.ends_at == b.starts_at for a, b in pairwise(shifts))
    if len(plan.layers[0].members) > 1:
        assert all(a.user_id != b.user_id for a, b in pairwise(shifts))


@settings(max_examples=150, deadline=None)
@given(single_layer_schedules(), windows, st.floats(0, 1, exclude_max=True))
def test_on_call_at_agrees_with_the_shift_list(
    plan: Schedule, window: tuple[datetime, timedelta], fraction: float
) -> None:
    start, length = window
    at = start + length * fraction
    assume(at < start + length)
    covering = [s for s in shifts_between(plan, start, start + length) if s.starts_at <= at < s.ends_at]
    running = on_call_at(plan, at)
    assert (running.user_id if running else None) == (covering[0].user_id if covering else None)


@settings(max_examples=100, deadline=None)
@given(single_layer_schedules((RotationKind.DAILY,)), windows)
def test_whole_daily_shifts_last_a_local_day_of_23_to_25_hours(
    plan: Schedule, window: tuple[datetime, timedelta]
) -> None:
    start, length = window
    rotation_start = to_utc(plan.layers[0].starts_at, plan.zone)
    whole = [s for s in shifts_between(plan, start, start + length)[1:-1] if s.starts_at > rotation_start]
    assert all(timedelta(hours=23) <= s.ends_at - s.starts_at <= timedelta(hours=25) for s in whole)
