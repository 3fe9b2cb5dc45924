"""The wiring of one running process: settings, engine, units of work, tokens, bus, relay, jobs and scheduler."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from sos.auth.membership_watch import MembershipWatch
from sos.core.bus import InProcessEventBus
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.jobs import JobQueue, build_job_queue
from sos.core.relay import OutboxRelay
from sos.core.scheduler import Scheduler
from sos.core.security import TokenSigner, load_or_create_signing_key
from sos.core.uow import UnitOfWorkFactory


@dataclass(slots=True)
class Container:
    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    signer: TokenSigner
    bus: InProcessEventBus
    relay: OutboxRelay
    memberships: MembershipWatch
    jobs: JobQueue
    scheduler: Scheduler

    async def start(self) -> None:
        await self.memberships.start()
        await self.jobs.start()
        self.relay.start()
        if self.settings.run_scheduler_in_process:
            self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.memberships.stop()
        await self.relay.stop()
        await self.jobs.stop()

    async def dispose(self) -> None:
        await self.stop()
        await self.engine.dispose()


def bootstrap(settings: Settings) -> Container:
    from sos.wiring import build_consumers, build_due_work

    engine = create_engine(settings)
    uow_factory = UnitOfWorkFactory(engine)
    jobs = build_job_queue(settings, uow_factory)
    bus = InProcessEventBus(uow_factory)
    for consumer in build_consumers(jobs):
        bus.subscribe(consumer)
    relay = OutboxRelay(
        engine,
        bus,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        lease_seconds=settings.outbox_lease_seconds,
    )
    uow_factory.on_commit = relay.wake
    signer = TokenSigner(load_or_create_signing_key(settings), settings)
    memberships = MembershipWatch(
        engine,
        token_ttl_seconds=settings.access_token_ttl_seconds,
        poll_seconds=settings.membership_poll_seconds,
    )
    scheduler = Scheduler(
        build_due_work(uow_factory),
        poll_seconds=settings.scheduler_poll_seconds,
        batch_size=settings.scheduler_batch_size,
    )
    return Container(settings, engine, uow_factory, signer, bus, relay, memberships, jobs, scheduler)
