"""``consume_once`` with a batch that repeats an event, as a redelivering broker hands it over."""

from __future__ import annotations

import secrets

from sos.core.bus import consume_once
from sos.core.container import Container
from sos.core.events import aggregate_event
from sos.core.ids import new_id
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
