"""Fault test: with the broker down the API keeps accepting SOS, the outbox grows and shows its lag, and it drains
once the broker is back. The API process on the Kafka bus does not relay by itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from sos.app import create_app
from sos.core.container import Container, bootstrap
from sos.core.events import OutboxEvent
from sos.core.relay import OutboxRelay
from tests.factories import Tenant, raise_sos
from tests.kafka import running_tansu
from tests.relay.conftest import kafka_publisher, read_topic
from tests.relay.processes import eventually, outbox_status_json, relay_environment
from tests.settings import make_settings

pytestmark = pytest.mark.usefixtures("quiet_relay")


async def _pending(container: Container) -> int:
    async with container.engine.connect() as connection:
        query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        return int((await connection.execute(query)).scalar_one())


async def test_with_the_broker_down_sos_is_accepted_and_the_outbox_drains_when_it_returns(
    container: Container, tenant: Tenant, database_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    with running_tansu(tmp_path) as broker:
        on_kafka = {"event_bus": "kafka", "kafka_topic_prefix": topic_prefix}
        on_kafka["kafka_bootstrap_servers"] = broker.bootstrap
        settings = make_settings(database_url, tmp_path).model_copy(update=on_kafka)
        api_container = bootstrap(settings)
        assert not api_container.runs_relay_in_process
        app = create_app(container=api_container)
        publisher = kafka_publisher(broker.bootstrap, topic_prefix, timeout_seconds=2.0)
        relay = OutboxRelay(container.engine, publisher, retry_seconds=0.0)
        try:
            async with (
                app.router.lifespan_context(app),
                AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as api,
            ):
                await raise_sos(api, tenant.reporter)

                async def published() -> bool:
                    # The first produce also creates the topic: on a busy machine it may outlast one 2 s attempt.
                    return await relay.drain() >= 1

                await eventually(published, what="the first SOS on Kafka")

                broker.stop()
                raised = [await raise_sos(api, tenant.reporter) for _ in range(3)]
                assert await relay.drain() == 0
                assert await _pending(container) >= 3
                status = outbox_status_json(relay_environment(database_url, tmp_path, broker.bootstrap, topic_prefix))

                broker.start()

                async def drained() -> bool:
                    await relay.drain()
                    return await _pending(container) == 0

                await eventually(drained, what="the outbox to drain")
        finally:
            await publisher.stop()
            await api_container.engine.dispose()
        records = await read_topic(broker.bootstrap, f"{topic_prefix}.alert", len(raised))

    alerts = status["by_aggregate_type"]["alert"]
    assert alerts["pending"] >= 3
    assert alerts["failing"] == alerts["pending"]
    assert "Kafka" in alerts["last_error"]
    assert status["total"]["lag_seconds"] > 0
    assert {alert["id"] for alert in raised} <= {record.key.decode() for record in records}
