"""A container on the Kafka bus with its own database, so no in-process relay of another test competes for the
outbox, and helpers to run consumer groups against the session's tansu broker."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from sos.app import create_app
from sos.core.config import Settings
from sos.core.container import Container, bootstrap
from sos.core.kafka import KafkaPublisher
from sos.core.relay import OutboxRelay
from sos.models import metadata
from tests.databases import throwaway_database
from tests.factories import Tenant, make_tenant
from tests.kafka import kafka_broker, tansu_broker
from tests.settings import make_settings

__all__ = ["kafka_broker", "tansu_broker"]


def kafka_settings(database_url: str, data_dir: Path, bootstrap_servers: str, topic_prefix: str) -> Settings:
    base = make_settings(database_url, data_dir)
    fields = base.model_dump(include=set(Settings.model_fields), exclude_unset=True)
    return Settings(
        **fields,
        event_bus="kafka",
        kafka_bootstrap_servers=bootstrap_servers,
        kafka_topic_prefix=topic_prefix,
        consumer_max_attempts=3,
        kafka_enable_idempotence=False,
    )


@pytest.fixture(scope="package")
async def consumers_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with throwaway_database(backend, tmp_path_factory.mktemp(f"consumers-{backend}")) as url:
        yield url


@pytest.fixture(scope="package")
def topic_prefix(backend: str) -> str:
    """Topics and consumer groups of their own per database, on the broker the whole session shares."""
    return f"sos-test-{backend}-{secrets.token_hex(4)}"


@pytest.fixture(scope="package")
async def kafka_container(
    consumers_database_url: str, kafka_broker: str, topic_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Container]:
    settings = kafka_settings(consumers_database_url, tmp_path_factory.mktemp("data"), kafka_broker, topic_prefix)
    container = bootstrap(settings)
    # The relay is drained by the tests; tansu cannot serve an idempotent producer (see tests/kafka.py).
    container.relay = OutboxRelay(container.engine, KafkaPublisher.from_settings(settings))
    async with container.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield container
    await container.dispose()


@pytest.fixture(scope="package")
async def kafka_app(kafka_container: Container) -> AsyncIterator[FastAPI]:
    application = create_app(container=kafka_container)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def kafka_client(kafka_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=kafka_app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def kafka_tenant(kafka_client: AsyncClient, kafka_container: Container) -> Tenant:
    return await make_tenant(kafka_container, "kafka")
