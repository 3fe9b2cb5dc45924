"""``consume_once`` with a batch that repeats an event, as a redelivering broker hands it over, and with events the
consumer does not act on."""

from __future__ import annotations

import secrets

from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.events import aggregate_event
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from tests.consumers.support import RecordingConsumer, processed_by
from tests.factories import Tenant


async def test_an_event_repeated_within_one_batch_is_applied_once(container: Container, tenant: Tenant) -> None:
    event = aggregate_event(
        "test", "happened", aggregate_id=new_id(), organization_id=tenant.organization_id, actor_id=None
    )
    other = aggregate_event(
        "test", "happened", aggregate_id=new_id(), organization_id=tenant.organization_id, actor_id=None
    )
    consumer = RecordingConsumer(f"repeats-{secrets.token_hex(3)}")

    applied = await consume_once(container.uow_factory, consumer, [event, event, other, event])

    assert applied == 2
    assert consumer.handed == [event.id, other.id]
    assert await processed_by(container, event.id) == {consumer.name}
    assert await processed_by(container, other.id) == {consumer.name}


class CountingFactory(UnitOfWorkFactory):
    opened = 0

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        return super().__call__()


async def test_events_of_types_the_consumer_does_not_act_on_are_passed_over_without_a_key(
    container: Container, tenant: Tenant
) -> None:
    wanted = aggregate_event(
        "test", "happened", aggregate_id=new_id(), organization_id=tenant.organization_id, actor_id=None
    )
    unwanted = aggregate_event(
        "test", "ignored", aggregate_id=new_id(), organization_id=tenant.organization_id, actor_id=None
    )
    consumer = RecordingConsumer(f"picky-{secrets.token_hex(3)}", event_types=frozenset({"test.happened"}))

    applied = await consume_once(container.uow_factory, consumer, [unwanted, wanted])

    assert applied == 1
    assert consumer.handed == [wanted.id]
    assert await processed_by(container, unwanted.id) == set()


async def test_a_batch_with_nothing_the_consumer_acts_on_opens_no_transaction(
    container: Container, tenant: Tenant
) -> None:
    unwanted = aggregate_event(
        "test", "ignored", aggregate_id=new_id(), organization_id=tenant.organization_id, actor_id=None
    )
    consumer = RecordingConsumer(f"picky-{secrets.token_hex(3)}", event_types=frozenset({"test.happened"}))
    factory = CountingFactory(container.engine)

    assert await consume_once(factory, consumer, [unwanted]) == 0
    assert factory.opened == 0
    assert consumer.handed == []
