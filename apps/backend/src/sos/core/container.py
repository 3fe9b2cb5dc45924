"""The wiring of one running process: settings, engine, units of work, tokens, bus and relay."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from sos.auth.membership_watch import MembershipWatch
from sos.core.bus import InProcessEventBus
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.relay import OutboxRelay
from sos.core.security import TokenSigner, load_or_create_signing_key
from sos.core.uow import UnitOfWorkFactory
from sos.timeline.consumer import TimelineProjection


@dataclass(slots=True)
class Container:
    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    signer: TokenSigner
    bus: InProcessEventBus
    relay: OutboxRelay
    memberships: MembershipWatch

    async def start(self) -> None:
        await self.memberships.start()
        self.relay.start()

    async def stop(self) -> None:
        await self.memberships.stop()
        await self.relay.stop()

    async def dispose(self) -> None:
        await self.stop()
        await self.engine.dispose()


def bootstrap(settings: Settings) -> Container:
    engine = create_engine(settings)
    uow_factory = UnitOfWorkFactory(engine)
    bus = InProcessEventBus(uow_factory)
    bus.subscribe(TimelineProjection())
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
    return Container(settings, engine, uow_factory, signer, bus, relay, memberships)
