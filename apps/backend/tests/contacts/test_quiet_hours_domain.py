"""QuietHours on its own: which moments fall in the window, and when the window is over."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sos.contacts.domain import QuietHours

BERLIN = ZoneInfo("Europe/Berlin")
DAYTIME = QuietHours(start=time(12, 0), end=time(14, 0), timezone="UTC")
OVERNIGHT = QuietHours(start=time(22, 0), end=time(7, 0), timezone="Europe/Berlin")


def _berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_a_daytime_window_contains_its_middle() -> None:
    assert DAYTIME.contains(datetime(2026, 5, 4, 13, 0, tzinfo=UTC))


def test_a_window_includes_its_start() -> None:
    assert DAYTIME.contains(datetime(2026, 5, 4, 12, 0, tzinfo=UTC))


def test_a_window_excludes_its_end() -> None:
    assert not DAYTIME.contains(datetime(2026, 5, 4, 14, 0, tzinfo=UTC))


def test_an_overnight_window_contains_the_late_evening() -> None:
    assert OVERNIGHT.contains(_berlin(2026, 5, 4, 23, 30))


def test_an_overnight_window_contains_the_early_morning() -> None:
    assert OVERNIGHT.contains(_berlin(2026, 5, 5, 6, 59))


def test_an_overnight_window_excludes_midday() -> None:
    assert not OVERNIGHT.contains(_berlin(2026, 5, 5, 12, 0))


def test_the_window_is_in_the_users_time_zone() -> None:
    # 21:30 UTC is 23:30 in Berlin in summer.
    assert OVERNIGHT.contains(datetime(2026, 7, 1, 21, 30, tzinfo=UTC))


def test_a_moment_outside_the_window_is_its_own_end() -> None:
    moment = _berlin(2026, 5, 5, 12, 0)
    assert OVERNIGHT.end_after(moment) == moment


def test_late_evening_waits_until_the_next_morning() -> None:
    assert OVERNIGHT.end_after(_berlin(2026, 5, 4, 23, 0)) == _berlin(2026, 5, 5, 7, 0)


def test_early_morning_waits_until_the_same_morning() -> None:
    assert OVERNIGHT.end_after(_berlin(2026, 5, 5, 3, 0)) == _berlin(2026, 5, 5, 7, 0)


def test_the_end_keeps_the_time_zone_of_the_moment_asked_about() -> None:
    end = OVERNIGHT.end_after(datetime(2026, 5, 4, 22, 0, tzinfo=UTC))
    assert end == datetime(2026, 5, 5, 5, 0, tzinfo=UTC)
    assert end.tzinfo is UTC


def test_the_end_follows_a_change_to_summer_time() -> None:
    # Clocks go forward on 29 March 2026: 07:00 in Berlin is 05:00 UTC, no longer 06:00.
    end = OVERNIGHT.end_after(datetime(2026, 3, 28, 23, 0, tzinfo=UTC))
    assert end == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_the_end_follows_a_change_to_winter_time() -> None:
    # Clocks go back on 25 October 2026: 07:00 in Berlin is 06:00 UTC again.
    end = OVERNIGHT.end_after(datetime(2026, 10, 24, 23, 0, tzinfo=UTC))
    assert end == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)


def test_a_daytime_window_ends_the_same_day() -> None:
    assert DAYTIME.end_after(datetime(2026, 5, 4, 12, 30, tzinfo=UTC)) == datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
