"""The stream consumer: appends every streamed event to the live stream log, with its audience.

It runs last among the in-process consumers, so by the time a client hears of a change, the timeline projection
that shows it has committed. It is idempotent twice over: ``consume_once`` skips events it has processed, and the
log drops an event id it already holds (an append whose transaction then failed is redelivered).

With the in-process bus it is best effort: an append that fails because Redis is down is logged and skipped, since
the relay would otherwise hold back each alert's later events (an acknowledgement that must stop the escalation) for
every consumer until the stream consumer gave up. Clients lose nothing they cannot recover: their streams were ended
with ``unavailable`` and they refetch everything once they are live again. With Kafka the stream has its own consumer
group, which retries the batch until Redis is back and holds up no other consumer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from sos.core.bus import Consumer
from sos.core.events import DomainEvent
from sos.core.uow import UnitOfWork
from sos.stream.audience import alert_followers, audience_of, followed_alert
from sos.stream.catalog import Rule, data_of, rule_for
from sos.stream.domain import StreamRecord, StreamUnavailable
from sos.stream.log import StreamLog

logger = logging.getLogger("sos.stream")


def change_of(event: DomainEvent, rule: Rule) -> str:
    """The JSON object clients receive as the data of the ``change`` event."""
    payload = event.payload
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "topics": [topic.value for topic in rule.topics],
            "aggregate_type": event.aggregate_type,
            "aggregate_id": str(event.aggregate_id),
            "alert_id": payload.get("alert_id"),
            "incident_id": payload.get("incident_id"),
            "occurred_at": event.occurred_at.isoformat(),
            "data": data_of(rule, payload),
        },
        separators=(",", ":"),
    )


class StreamConsumer(Consumer):
    name = "stream"

    def __init__(self, log: StreamLog, *, best_effort: bool = False) -> None:
        self._log = log
        self._best_effort = best_effort

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        streamed = [(event, rule) for event in events if (rule := rule_for(event)) is not None]
        if not streamed:
            return
        alert_ids = {alert_id for event, rule in streamed if (alert_id := followed_alert(event, rule)) is not None}
        followers = await alert_followers(uow.connection, alert_ids)
        records = [
            StreamRecord(
                event.id,
                event.organization_id,
                event.type,
                audience_of(event, rule, followers),
                change_of(event, rule),
            )
            for event, rule in streamed
        ]
        try:
            await self._log.append(records)
        except StreamUnavailable:
            if not self._best_effort:
                raise
            logger.warning("the live stream is unavailable; %d changes were not streamed", len(records))
