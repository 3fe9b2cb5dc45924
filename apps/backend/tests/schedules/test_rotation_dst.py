"""Rotations across the DST changes of Europe/Berlin and America/New_York in 2026."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import UUID

from sos.schedules.domain import RotationKind, Schedule, Shift, handoff, on_call_at, shifts_between, to_utc
from tests.schedules.helpers import ALICE, BERLIN, BOB, CAROL, NEW_YORK, layer, schedule, utc

DAILY, WEEKLY, CUSTOM = RotationKind.DAILY, RotationKind.WEEKLY, RotationKind.CUSTOM
MONDAY, SUNDAY = 0, 6


def _who(plan: Schedule, at: datetime) -> UUID | None:
    shift = on_call_at(plan, at)
    return shift.user_id if shift else None


def _spans(shifts: list[Shift]) -> list[tuple[datetime, datetime]]:
    return [(shift.starts_at, shift.ends_at) for shift in shifts]


def test_a_gap_time_moves_forward_by_the_length_of_the_gap() -> None:
    assert to_utc(datetime(2026, 3, 29, 2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)
    assert to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 30)


def test_a_repeated_time_means_its_first_occurrence() -> None:
    assert to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)
    assert to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_berlin_daily_handoff_stays_at_nine_local_and_the_spring_shift_lasts_23_hours() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2026, 3, 27, 9)))
    shifts = shifts_between(plan, utc(2026, 3, 27, 8), utc(2026, 3, 30, 7))
    assert _spans(shifts) == [
        (utc(2026, 3, 27, 8), utc(2026, 3, 28, 8)),
        (utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        (utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)),
    ]
    assert [shift.user_id for shift in shifts] == [ALICE, BOB, ALICE]
    assert all(shift.starts_at.astimezone(BERLIN).time() == time(9) for shift in shifts)


def test_berlin_daily_shift_across_fall_back_lasts_25_hours() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2026, 10, 24, 9)))
    shifts = shifts_between(plan, utc(2026, 10, 24, 7), utc(2026, 10, 26, 8))
    assert _spans(shifts) == [
        (utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        (utc(2026, 10, 25, 8), utc(2026, 10, 26, 8)),
    ]
    assert shifts[0].ends_at - shifts[0].starts_at == timedelta(hours=25)


def test_new_york_daily_shifts_last_23_and_25_hours_across_the_changes() -> None:
    plan = schedule(NEW_YORK, layer(DAILY, datetime(2026, 1, 1, 9)))
    spring = shifts_between(plan, utc(2026, 3, 7, 14), utc(2026, 3, 9, 13))
    fall = shifts_between(plan, utc(2026, 10, 31, 13), utc(2026, 11, 2, 14))
    assert _spans(spring) == [(utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)), (utc(2026, 3, 8, 13), utc(2026, 3, 9, 13))]
    assert _spans(fall) == [(utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)), (utc(2026, 11, 1, 14), utc(2026, 11, 2, 14))]


def test_berlin_handoff_inside_the_spring_gap_happens_at_half_past_three_summer_time() -> None:
    rotation = layer(DAILY, datetime(2026, 3, 27, 2, 30))
    assert [handoff(rotation, BERLIN, index) for index in range(4)] == [
        utc(2026, 3, 27, 1, 30),
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]


def test_berlin_handoff_inside_the_repeated_hour_happens_at_the_first_occurrence() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2026, 10, 24, 2, 30)))
    shifts = shifts_between(plan, utc(2026, 10, 24, 0, 30), utc(2026, 10, 26, 1, 30))
    assert _spans(shifts) == [
        (utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
    ]
    assert _who(plan, utc(2026, 10, 25, 1, 15)) == _who(plan, utc(2026, 10, 25, 0, 45)) == BOB


def test_new_york_handoffs_inside_the_gap_and_the_repeated_hour() -> None:
    spring = layer(DAILY, datetime(2026, 3, 7, 2, 30))
    fall = layer(DAILY, datetime(2026, 10, 31, 1, 30))
    assert handoff(spring, NEW_YORK, 1) == utc(2026, 3, 8, 7, 30)
    assert handoff(spring, NEW_YORK, 2) == utc(2026, 3, 9, 6, 30)
    assert handoff(fall, NEW_YORK, 1) == utc(2026, 11, 1, 5, 30)
    assert handoff(fall, NEW_YORK, 2) == utc(2026, 11, 2, 6, 30)


def test_berlin_weekly_monday_handoff_week_is_167_then_169_hours() -> None:
    rotation = layer(WEEKLY, datetime(2026, 3, 23, 9), handoff_weekday=MONDAY)
    plan = schedule(BERLIN, rotation)
    spring = shifts_between(plan, utc(2026, 3, 23, 8), utc(2026, 3, 30, 7))
    assert _spans(spring) == [(utc(2026, 3, 23, 8), utc(2026, 3, 30, 7))]
    autumn_index = 30
    assert handoff(rotation, BERLIN, autumn_index) == utc(2026, 10, 19, 7)
    assert handoff(rotation, BERLIN, autumn_index + 1) == utc(2026, 10, 26, 8)


def test_weekly_rotation_hands_off_on_its_weekday_even_when_it_starts_midweek() -> None:
    plan = schedule(BERLIN, layer(WEEKLY, datetime(2026, 3, 25, 12), handoff_time=time(9), handoff_weekday=MONDAY))
    shifts = shifts_between(plan, utc(2026, 3, 25, 11), utc(2026, 4, 7))
    assert _spans(shifts)[:2] == [
        (utc(2026, 3, 25, 11), utc(2026, 3, 30, 7)),
        (utc(2026, 3, 30, 7), utc(2026, 4, 6, 7)),
    ]
    assert [shift.user_id for shift in shifts] == [ALICE, BOB, ALICE]


def test_new_york_weekly_sunday_handoff_in_the_gap() -> None:
    rotation = layer(WEEKLY, datetime(2026, 3, 1, 2, 30), handoff_weekday=SUNDAY)
    assert handoff(rotation, NEW_YORK, 1) == utc(2026, 3, 8, 7, 30)
    assert handoff(rotation, NEW_YORK, 2) == utc(2026, 3, 15, 6, 30)


def test_custom_shifts_step_in_absolute_hours_so_local_handoffs_move_across_dst() -> None:
    plan = schedule(
        BERLIN, layer(CUSTOM, datetime(2026, 3, 28, 21), shift_length_hours=12, members=(ALICE, BOB, CAROL))
    )
    shifts = shifts_between(plan, utc(2026, 3, 28, 20), utc(2026, 3, 30, 8))
    assert all(shift.ends_at - shift.starts_at == timedelta(hours=12) for shift in shifts)
    assert [shift.starts_at.astimezone(BERLIN).hour for shift in shifts] == [21, 10, 22]
    assert [shift.user_id for shift in shifts] == [ALICE, BOB, CAROL]


def test_new_york_custom_eight_hour_shifts_keep_their_length_at_fall_back() -> None:
    plan = schedule(NEW_YORK, layer(CUSTOM, datetime(2026, 10, 31, 22), shift_length_hours=8))
    shifts = shifts_between(plan, utc(2026, 11, 1, 2), utc(2026, 11, 2, 2))
    assert all(shift.ends_at - shift.starts_at == timedelta(hours=8) for shift in shifts)
    assert [shift.starts_at.astimezone(NEW_YORK).hour for shift in shifts] == [22, 5, 13]


def test_the_rotation_is_counted_from_its_start_years_later() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2020, 1, 1, 9), members=(ALICE, BOB, CAROL)))
    days = (datetime(2026, 10, 25) - datetime(2020, 1, 1)).days
    assert _who(plan, utc(2026, 10, 25, 12)) == (ALICE, BOB, CAROL)[days % 3]


def test_nobody_is_on_call_before_the_rotation_starts_or_after_it_ends() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2026, 3, 28, 9), ends_at=datetime(2026, 3, 30, 9)))
    assert _who(plan, utc(2026, 3, 28, 7, 59)) is None
    assert _who(plan, utc(2026, 3, 28, 8)) == ALICE
    assert _who(plan, utc(2026, 3, 30, 6, 59)) == BOB
    assert _who(plan, utc(2026, 3, 30, 7)) is None
