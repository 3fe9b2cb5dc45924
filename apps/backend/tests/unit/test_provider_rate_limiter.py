"""Per-provider send budgets, counted by the `limits` library in memory."""

from __future__ import annotations

from sos.providers.resilience import ProviderRateLimiter


async def test_a_send_beyond_the_budget_of_the_second_is_refused() -> None:
    limiter = ProviderRateLimiter("memory://")
    assert await limiter.acquire("provider-a", 1) is True
    assert await limiter.acquire("provider-a", 1) is False


async def test_each_provider_has_its_own_budget() -> None:
    limiter = ProviderRateLimiter("memory://")
    assert await limiter.acquire("provider-a", 1) is True
    assert await limiter.acquire("provider-b", 1) is True


async def test_a_provider_without_a_limit_is_never_refused() -> None:
    limiter = ProviderRateLimiter("memory://")
    assert all([await limiter.acquire("provider-a", None) for _ in range(20)])
