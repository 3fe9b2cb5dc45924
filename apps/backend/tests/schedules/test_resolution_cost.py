"""Resolution stays cheap: a sweep over the shifts' edges, and a budget that stops it generating without end."""

from __future__ import annotations

import heapq
import time as clock
from dataclasses import replace
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sos.schedules import domain
from sos.schedules.domain import (
    MAX_RESOLVED_SHIFTS,
    Restriction,
    RotationKind,
    Schedule,
    Shift,
    ShiftBudget,
    ShiftSource,
    TooManyShifts,
    layer_shifts,
    rotation_shifts,
    shift_load,
    shifts_between,
)
from tests.schedules.helpers import BERLIN, NEW_YORK, layer, override, utc

CUSTOM = RotationKind.CUSTOM
MEMBERS = tuple(UUID(int=n) for n in range(1, 6))


def _custom_layers(hours: int, count: int = 20) -> Schedule:
    layers = tuple(
        layer(CUSTOM, datetime(2026, 1, 1, n % 5), members=MEMBERS, shift_length_hours=hours, priority=n, position=n)
        for n in range(count)
    )
    return Schedule(zone=BERLIN, layers=layers)


def test_the_heaviest_accepted_schedule_resolves_its_longest_window_in_well_under_a_few_seconds() -> None:
    plan = _custom_layers(hours=4)
    assert sum(shift_load(each) for each in plan.layers) <= MAX_RESOLVED_SHIFTS
    began = clock.perf_counter()
    start, end = utc(2026, 3, 1), utc(2026, 3, 1) + domain.LONGEST_RESOLUTION
    shifts = shifts_between(plan, start, end)
    assert clock.perf_counter() - began < 10
    assert (shifts[0].starts_at, shifts[-1].ends_at) == (start, end)
    assert {shift.layer_id for shift in shifts} == {plan.layers[-1].id}


def test_the_sweep_visits_each_candidate_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    pushes: list[Any] = []
    real_push = heapq.heappush

    def counting_push(heap: list[Any], item: Any) -> None:
        pushes.append(item)
        real_push(heap, item)

    monkeypatch.setattr(heapq, "heappush", counting_push)
    plan = _custom_layers(hours=6, count=10)
    start, end = utc(2026, 3, 1), utc(2026, 3, 31)
    candidates = sum(len(list(layer_shifts(each, BERLIN, start, end))) for each in plan.layers)
    shifts_between(plan, start, end)
    assert len(pushes) == candidates


def test_resolution_gives_up_once_it_exceeds_its_budget() -> None:
    plan = _custom_layers(hours=1)
    budget = ShiftBudget()
    with pytest.raises(TooManyShifts):
        shifts_between(plan, utc(2026, 3, 1), utc(2026, 3, 1) + domain.LONGEST_RESOLUTION, budget)
    assert budget.spent == MAX_RESOLVED_SHIFTS + 1


def test_overrides_count_against_the_budget_too() -> None:
    start = utc(2026, 3, 1)
    overrides = tuple(
        override(MEMBERS[0], start + timedelta(hours=n), start + timedelta(hours=n + 1)) for n in range(4)
    )
    plan = Schedule(zone=BERLIN, layers=(), overrides=overrides)
    with pytest.raises(TooManyShifts):
        shifts_between(plan, start, start + timedelta(days=1), ShiftBudget(limit=3))
    assert len(shifts_between(plan, start, start + timedelta(days=1), ShiftBudget(limit=4))) == 4


def _brute_force(plan: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """Resolution as it was first written: every candidate checked against every stretch between two edges."""
    candidates = [
        (
            Shift(o.user_id, max(o.starts_at, start), min(o.ends_at, end), ShiftSource.OVERRIDE, override_id=o.id),
            (1, 0, 0, o.id.int),
            (o.id, o.starts_at),
        )
        for o in plan.overrides
        if o.starts_at < end and o.ends_at > start
    ]
    for each in plan.layers:
        windows = domain._utc_windows(each, plan.zone, start, end) if each.restrictions else [(start, end)]
        for shift in rotation_shifts(each, plan.zone, start, end):
            for opens, closes in windows:
                begins, ends = max(shift.starts_at, opens), min(shift.ends_at, closes)
                if ends > begins:
                    piece = Shift(shift.user_id, begins, ends, ShiftSource.LAYER, layer_id=each.id)
                    candidates.append((piece, (0, each.priority, -each.position, 0), (each.id, piece.starts_at)))
    edges = sorted({start, end} | {c[0].starts_at for c in candidates} | {c[0].ends_at for c in candidates})
    flattened: list[Shift] = []
    last = None
    for begins, ends in pairwise(edges):
        covering = [c for c in candidates if c[0].starts_at <= begins < c[0].ends_at]
        if not covering:
            last = None
            continue
        shift, _, identity = max(covering, key=lambda c: c[1])
        if flattened and flattened[-1].ends_at == begins and last == identity:
            flattened[-1] = replace(flattened[-1], ends_at=ends)
        else:
            flattened.append(replace(shift, starts_at=begins, ends_at=ends))
        last = identity
    return flattened


@st.composite
def _plans(draw: st.DrawFn) -> Schedule:
    layers = []
    for position in range(draw(st.integers(1, 4))):
        rotation = draw(st.sampled_from(tuple(RotationKind)))
        restrictions = tuple(
            Restriction(
                frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
                time(draw(st.integers(0, 23))),
                time(draw(st.integers(0, 23)), 30),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        layers.append(
            layer(
                rotation,
                datetime(2026, 3, draw(st.integers(20, 28)), draw(st.integers(0, 23))),
                members=MEMBERS[: draw(st.integers(1, 3))],
                handoff_weekday=draw(st.integers(0, 6)) if rotation is RotationKind.WEEKLY else None,
                shift_length_hours=draw(st.integers(1, 30)) if rotation is CUSTOM else None,
                priority=draw(st.integers(0, 2)),
                position=position,
                restrictions=restrictions,
            )
        )
    start = utc(2026, 3, 25)
    overrides = tuple(
        override(MEMBERS[4], start + timedelta(hours=at), start + timedelta(hours=at + length))
        for at, length in draw(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 30)), max_size=4))
    )
    return Schedule(zone=draw(st.sampled_from([BERLIN, NEW_YORK])), layers=tuple(layers), overrides=overrides)


@settings(max_examples=150, deadline=None)
@given(_plans(), st.integers(0, 100), st.integers(1, 300))
def test_the_sweep_resolves_exactly_as_checking_every_stretch_against_every_shift(
    plan: Schedule, offset: int, length: int
) -> None:
    start = utc(2026, 3, 24) + timedelta(hours=offset)
    end = start + timedelta(hours=length)
    assert shifts_between(plan, start, end) == _brute_force(plan, start, end)
