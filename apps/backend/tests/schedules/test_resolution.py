"""Layers, restrictions, overrides and swaps resolved into who is on call."""

from __future__ import annotations

from datetime import datetime, time
from uuid import UUID

from sos.schedules.domain import (
    Restriction,
    RotationKind,
    Schedule,
    ShiftSource,
    covers_entirely,
    on_call_at,
    overlapping_layers,
    shifts_between,
)
from tests.schedules.helpers import ALICE, BERLIN, BOB, CAROL, DAVE, NEW_YORK, layer, override, schedule, utc

DAILY, WEEKLY = RotationKind.DAILY, RotationKind.WEEKLY
WORKDAYS = Restriction(frozenset(range(5)), time(9), time(17))
WEEKENDS = Restriction(frozenset({5, 6}), time(0), time(0))
NIGHTS = Restriction(frozenset(range(7)), time(22), time(6))


def _who(plan: Schedule, at: datetime) -> UUID | None:
    shift = on_call_at(plan, at)
    return shift.user_id if shift else None


def test_the_higher_priority_layer_wins() -> None:
    base = layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE,), priority=1)
    top = layer(DAILY, datetime(2026, 1, 1, 9), members=(CAROL,), priority=5, position=1)
    assert _who(schedule(BERLIN, base, top), utc(2026, 3, 29, 12)) == CAROL


def test_a_lower_layer_covers_where_the_restricted_higher_layer_has_nobody() -> None:
    base = layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE,), priority=1)
    office = layer(WEEKLY, datetime(2026, 1, 5, 9), members=(CAROL,), priority=2, restrictions=(WORKDAYS,))
    plan = schedule(BERLIN, base, office)
    assert _who(plan, utc(2026, 3, 30, 7)) == CAROL
    assert _who(plan, utc(2026, 3, 30, 6, 59)) == ALICE
    assert _who(plan, utc(2026, 3, 28, 12)) == ALICE


def test_restriction_windows_follow_local_time_across_dst() -> None:
    office = layer(WEEKLY, datetime(2026, 1, 5, 9), members=(CAROL,), restrictions=(WORKDAYS,))
    shifts = shifts_between(schedule(BERLIN, office), utc(2026, 3, 27), utc(2026, 3, 31))
    assert [(shift.starts_at, shift.ends_at) for shift in shifts] == [
        (utc(2026, 3, 27, 8), utc(2026, 3, 27, 16)),
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 15)),
    ]


def test_an_overnight_window_runs_past_midnight() -> None:
    nights = layer(DAILY, datetime(2026, 1, 1, 0), members=(DAVE,), restrictions=(NIGHTS,))
    plan = schedule(NEW_YORK, nights)
    assert _who(plan, utc(2026, 11, 1, 4)) == DAVE
    assert _who(plan, utc(2026, 11, 1, 10, 59)) == DAVE
    assert _who(plan, utc(2026, 11, 1, 11)) is None
    assert _who(plan, utc(2026, 11, 1, 20)) is None


def test_an_override_beats_every_layer_also_across_the_spring_gap() -> None:
    top = layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE,), priority=9)
    cover = override(DAVE, utc(2026, 3, 29, 0), utc(2026, 3, 29, 3))
    plan = schedule(BERLIN, top, overrides=(cover,))
    shifts = shifts_between(plan, utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))
    assert [(s.user_id, s.starts_at, s.ends_at, s.source) for s in shifts] == [
        (ALICE, utc(2026, 3, 28, 23), utc(2026, 3, 29, 0), ShiftSource.LAYER),
        (DAVE, utc(2026, 3, 29, 0), utc(2026, 3, 29, 3), ShiftSource.OVERRIDE),
        (ALICE, utc(2026, 3, 29, 3), utc(2026, 3, 29, 4), ShiftSource.LAYER),
    ]


def test_an_override_covers_the_repeated_hour_at_fall_back_exactly() -> None:
    base = layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE,))
    cover = override(BOB, utc(2026, 11, 1, 5), utc(2026, 11, 1, 7))
    plan = schedule(NEW_YORK, base, overrides=(cover,))
    assert _who(plan, utc(2026, 11, 1, 5, 30)) == BOB
    assert _who(plan, utc(2026, 11, 1, 6, 30)) == BOB
    assert _who(plan, utc(2026, 11, 1, 7)) == ALICE


def test_the_most_recent_of_overlapping_overrides_wins() -> None:
    first = override(BOB, utc(2026, 5, 1), utc(2026, 5, 3))
    second = override(CAROL, utc(2026, 5, 2), utc(2026, 5, 4))
    plan = schedule(BERLIN, overrides=(first, second))
    assert _who(plan, utc(2026, 5, 1, 12)) == BOB
    assert _who(plan, utc(2026, 5, 2, 12)) == CAROL


def test_a_swap_shows_as_a_swap_shift() -> None:
    base = layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE,))
    plan = schedule(BERLIN, base, overrides=(override(BOB, utc(2026, 5, 1), utc(2026, 5, 2), swap_of=ALICE),))
    running = on_call_at(plan, utc(2026, 5, 1, 12))
    assert running is not None
    assert (running.user_id, running.source) == (BOB, ShiftSource.SWAP)


def test_nobody_on_call_leaves_a_hole_in_the_shifts() -> None:
    plan = schedule(BERLIN, overrides=(override(BOB, utc(2026, 5, 1), utc(2026, 5, 2)),))
    shifts = shifts_between(plan, utc(2026, 4, 30), utc(2026, 5, 3))
    assert [(s.starts_at, s.ends_at) for s in shifts] == [(utc(2026, 5, 1), utc(2026, 5, 2))]
    assert _who(plan, utc(2026, 4, 30, 12)) is None


def test_shifts_of_the_same_person_stay_separate_per_handoff() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE,)))
    assert len(shifts_between(plan, utc(2026, 5, 1, 7), utc(2026, 5, 4, 7))) == 3


def test_covers_entirely_needs_the_same_person_without_holes() -> None:
    plan = schedule(BERLIN, layer(DAILY, datetime(2026, 1, 1, 9), members=(ALICE, BOB)))
    shifts = shifts_between(plan, utc(2026, 5, 1, 8), utc(2026, 5, 1, 10))
    assert covers_entirely(shifts, ALICE, utc(2026, 5, 1, 8), utc(2026, 5, 1, 9))
    assert not covers_entirely(shifts, ALICE, utc(2026, 5, 1, 6), utc(2026, 5, 1, 8))
    assert not covers_entirely([], ALICE, utc(2026, 5, 1, 8), utc(2026, 5, 1, 9))


def test_same_priority_layers_that_overlap_are_found() -> None:
    first = layer(DAILY, datetime(2026, 1, 1, 9))
    second = layer(WEEKLY, datetime(2026, 6, 1, 9), position=1)
    assert overlapping_layers([first, second]) == (0, 1)


def test_same_priority_layers_in_disjoint_periods_do_not_overlap() -> None:
    first = layer(DAILY, datetime(2026, 1, 1, 9), ends_at=datetime(2026, 6, 1, 9))
    second = layer(DAILY, datetime(2026, 6, 1, 9), position=1)
    assert overlapping_layers([first, second]) is None


def test_same_priority_layers_with_disjoint_restrictions_do_not_overlap() -> None:
    weekdays = layer(DAILY, datetime(2026, 1, 1, 9), restrictions=(WORKDAYS,))
    weekends = layer(DAILY, datetime(2026, 1, 1, 9), restrictions=(WEEKENDS,), position=1)
    nights = layer(DAILY, datetime(2026, 1, 1, 9), restrictions=(NIGHTS,), position=2)
    assert overlapping_layers([weekdays, weekends]) is None
    assert overlapping_layers([weekdays, nights]) is None
    assert overlapping_layers([weekends, nights]) == (0, 1)


def test_layers_of_different_priority_may_overlap() -> None:
    assert (
        overlapping_layers([layer(DAILY, datetime(2026, 1, 1)), layer(DAILY, datetime(2026, 1, 1), priority=1)]) is None
    )


def test_a_layer_whose_members_were_all_removed_puts_nobody_on_call() -> None:
    empty = layer(DAILY, datetime(2026, 1, 1, 9), members=())
    plan = schedule(BERLIN, empty)
    assert _who(plan, utc(2026, 5, 1)) is None
    assert shifts_between(plan, utc(2026, 5, 1), utc(2026, 5, 2)) == []
