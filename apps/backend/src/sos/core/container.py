"""The wiring of one running process: settings, engine, units of work, tokens, bus, relay, jobs and scheduler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from sos.auth.membership_watch import MembershipWatch
from sos.core.bus import InProcessEventBus
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.events import OutboxEvent
from sos.core.jobs import JobQueue, build_job_queue
from sos.core.kafka import KafkaPublisher
from sos.core.relay import EventPublisher, OutboxRelay, PublisherUnavailable
from sos.core.scheduler import Scheduler
from sos.core.security import TokenSigner, load_or_create_signing_key
from sos.core.uow import UnitOfWorkFactory
from sos.providers.runtime import DeliveryRuntime
from sos.stream.runtime import LiveStream, build_live_stream

logger = logging.getLogger("sos.container")


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
    delivery: DeliveryRuntime
    stream: LiveStream

    @property
    def runs_relay_in_process(self) -> bool:
        """The in-process bus always needs the relay here; with Kafka, `sos relay` processes do the relaying."""
        return self.settings.event_bus == "inprocess" or self.settings.run_relay_in_process

    async def start(self) -> None:
        await self.memberships.start()
        # Before the relay: with Redis, the hub is subscribed to the fan-out before any change is appended.
        await self.stream.start(self.memberships)
        await self.jobs.start()
        if self.runs_relay_in_process:
            await self.start_publisher()
            self.relay.start()
        if self.settings.run_scheduler_in_process:
            self.scheduler.start()

    async def start_publisher(self) -> None:
        """Connects a Kafka publisher and creates the topics of the pending events; an unreachable broker is
        retried by the relay on every batch, so this never blocks startup."""
        publisher = self.relay.publisher
        if not isinstance(publisher, KafkaPublisher):
            return
        async with self.engine.connect() as connection:
            pending_types = (
                await connection.execute(
                    select(OutboxEvent.aggregate_type).distinct().where(OutboxEvent.published_at.is_(None))
                )
            ).scalars()
            aggregate_types = list(pending_types)
        try:
            await publisher.start(aggregate_types)
        except PublisherUnavailable as exc:
            logger.warning("Kafka is not reachable yet; the relay keeps trying: %s", exc)

    async def stop(self) -> None:
        # Open streams end first; clients reconnect (to another replica) with their cursors.
        self.stream.close_streams()
        await self.scheduler.stop()
        await self.memberships.stop()
        await self.relay.stop()
        publisher = self.relay.publisher
        if isinstance(publisher, KafkaPublisher):
            await publisher.stop()
        await self.jobs.stop()
        # After the relay's final drain, which still appends to the stream log.
        await self.stream.stop()
        await self.delivery.close()

    async def dispose(self) -> None:
        await self.stop()
        await self.engine.dispose()


def build_publisher(settings: Settings, bus: InProcessEventBus) -> EventPublisher:
    if settings.event_bus == "kafka":
        # A publish gives up (after twice this) well within the lease, so no second relay takes over a batch in flight.
        timeout = max(1.0, min(30.0, settings.outbox_lease_seconds / 3))
        return KafkaPublisher.from_settings(settings, timeout_seconds=timeout)
    return bus


def bootstrap(settings: Settings) -> Container:
    from sos.wiring import build_consumers, build_due_work

    engine = create_engine(settings)
    uow_factory = UnitOfWorkFactory(engine)
    jobs = build_job_queue(settings, uow_factory)
    bus = InProcessEventBus(uow_factory, max_attempts=settings.consumer_max_attempts)
    stream = build_live_stream(settings)
    for consumer in build_consumers(settings, jobs, stream.log):
        bus.subscribe(consumer)
    relay = OutboxRelay(
        engine,
        build_publisher(settings, bus),
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        lease_seconds=settings.outbox_lease_seconds,
        max_attempts=settings.consumer_max_attempts,
    )
    uow_factory.on_commit = relay.wake
    signer = TokenSigner(load_or_create_signing_key(settings), settings)
    memberships = MembershipWatch(
        engine,
        token_ttl_seconds=settings.access_token_ttl_seconds,
        poll_seconds=settings.membership_poll_seconds,
    )
    scheduler = Scheduler(
        build_due_work(uow_factory, jobs, settings),
        poll_seconds=settings.scheduler_poll_seconds,
        batch_size=settings.scheduler_batch_size,
    )
    delivery = DeliveryRuntime.attach(settings, uow_factory)
    return Container(settings, engine, uow_factory, signer, bus, relay, memberships, jobs, scheduler, delivery, stream)
