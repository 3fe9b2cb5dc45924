"""The per-provider circuit breaker: open after failures in a row, one trial after the reset time."""

from __future__ import annotations

from sos.providers.resilience import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _opened(clock: Clock) -> CircuitBreaker:
    breaker = CircuitBreaker(failures=2, reset_seconds=30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    return breaker


def test_failures_in_a_row_open_the_breaker() -> None:
    clock = Clock()
    assert not _opened(clock).allow()


def test_a_success_between_failures_keeps_it_closed() -> None:
    breaker = CircuitBreaker(failures=2, reset_seconds=30, clock=Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.allow()


def test_after_the_reset_time_one_trial_goes_through() -> None:
    clock = Clock()
    breaker = _opened(clock)
    clock.now += 31
    assert breaker.allow()
    assert not breaker.allow()


def test_a_failed_trial_opens_it_again() -> None:
    clock = Clock()
    breaker = _opened(clock)
    clock.now += 31
    breaker.allow()
    breaker.record_failure()
    assert breaker.snapshot().state is BreakerState.OPEN
    assert not breaker.allow()


def test_a_successful_trial_closes_it() -> None:
    clock = Clock()
    breaker = _opened(clock)
    clock.now += 31
    breaker.allow()
    breaker.record_success()
    assert breaker.snapshot().state is BreakerState.CLOSED


def test_a_trial_whose_outcome_never_came_does_not_block_the_provider_forever() -> None:
    clock = Clock()
    breaker = _opened(clock)
    clock.now += 31
    assert breaker.allow()
    clock.now += 31
    assert breaker.allow()
