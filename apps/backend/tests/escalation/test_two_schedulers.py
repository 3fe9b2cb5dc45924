"""Schedulers stepping at once (two of them, or one running steps in parallel): every step happens exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from httpx import AsyncClient

from sos.core.config import DatabaseKind
from sos.core.container import Container
from sos.core.db import create_engine, utcnow
from sos.core.uow import UnitOfWorkFactory
from sos.escalation.scheduler import EscalationDueWork
from tests.escalation.support import create_policy, events, policy_body, tier, user
from tests.factories import Tenant, raise_sos

ALERTS = 25
TIERS = 2
CYCLES = 2


async def test_two_schedulers_never_double_a_step(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await create_policy(
        client,
        tenant,
        policy_body(
            tier(user(tenant.responder), delay=1),
            tier(user(tenant.coordinator), delay=1),
            repeat_count=CYCLES - 1,
            is_default=True,
        ),
    )
    for _ in range(ALERTS):
        await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    # SQLite is the single-process embedded mode: there a second scheduler shares the one writer connection.
    sqlite = container.settings.database_kind is DatabaseKind.SQLITE
    second_engine = container.engine if sqlite else create_engine(container.settings)
    first = EscalationDueWork(container.uow_factory)
    second = EscalationDueWork(UnitOfWorkFactory(second_engine))
    start = utcnow()
    performed = 0
    try:
        for minute in range(TIERS * CYCLES + 1):
            now = start + timedelta(minutes=minute)
            # Small batches make the two claim over and over against each other.
            done = await asyncio.gather(*(work.run_due(now, 7) for work in (first, second, first, second)))
            performed += sum(done)
            while more := await first.run_due(now, 100):
                performed += more
    finally:
        if not sqlite:
            await second_engine.dispose()

    steps = Counter(
        (e.payload["alert_id"], e.payload["tier"], e.payload["cycle"])
        for e in await events(container, "alert.escalated")
    )
    assert performed == ALERTS * TIERS * CYCLES
    assert len(steps) == ALERTS * TIERS * CYCLES
    assert set(steps.values()) == {1}
    assert len(await events(container, "alert.escalation_exhausted")) == ALERTS


async def test_a_scheduler_running_steps_in_parallel_performs_each_step_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await create_policy(
        client,
        tenant,
        policy_body(tier(user(tenant.responder), delay=1), tier(user(tenant.coordinator), delay=1), is_default=True),
    )
    for _ in range(ALERTS):
        await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    # SQLite's one writer connection takes one step at a time, as the wiring sets it up there.
    parallel = 1 if container.settings.database_kind is DatabaseKind.SQLITE else 4
    work = EscalationDueWork(container.uow_factory, parallel=parallel)
    start = utcnow()
    performed = 0
    for minute in range(TIERS + 1):
        # A batch that is not a multiple of the width ends with a narrower round.
        while more := await work.run_due(start + timedelta(minutes=minute), 7):
            performed += more

    steps = Counter((e.payload["alert_id"], e.payload["tier"]) for e in await events(container, "alert.escalated"))
    assert performed == ALERTS * TIERS
    assert len(steps) == ALERTS * TIERS
    assert set(steps.values()) == {1}
