from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Table, delete, exists, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.app import create_app
from sos.core.config import DatabaseKind
from sos.core.container import Container, bootstrap
from sos.core.event_contracts import EventContractError, validate_event
from sos.core.events import OutboxEvent, event_from_row
from sos.models import metadata
from tests.databases import selected_backends, throwaway_database
from tests.factories import Tenant, make_tenant
from tests.settings import make_settings


@pytest.fixture(scope="session", params=selected_backends())
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
async def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with throwaway_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


@pytest.fixture(scope="session")
async def container(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Container]:
    container = bootstrap(make_settings(database_url, tmp_path_factory.mktemp("data")))
    async with container.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield container
    await container.dispose()


@pytest.fixture(scope="session")
async def app(container: Container) -> AsyncIterator[FastAPI]:
    application = create_app(container=container)
    async with application.router.lifespan_context(application):
        yield application


# Events that tests make up on purpose to exercise the outbox and the bus; they have no contract.
SYNTHETIC_EVENT_PREFIX = "test."


async def _contract_violations(container: Container) -> list[str]:
    """Every event the test wrote to the outbox, checked against its schema: one line per event that breaks it."""
    async with container.engine.connect() as connection:
        rows = (await connection.execute(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    violations = []
    for row in rows:
        if row.event_type.startswith(SYNTHETIC_EVENT_PREFIX):
            continue
        try:
            validate_event(event_from_row(row))
        except EventContractError as exc:
            violations.append(f"{row.event_type} (event {row.id}): {exc}")
    return violations


# Children after parents; emptied in reverse.
_TABLES = tuple(metadata.sorted_tables)


async def _tables_with_rows(connection: AsyncConnection) -> list[Table]:
    """One round trip instead of a DELETE per table: most tests touch a handful of the tables."""
    probe = select(*(exists().select_from(table).label(f"t{index}") for index, table in enumerate(_TABLES)))
    flags = (await connection.execute(probe)).one()
    return [table for table, has_rows in zip(_TABLES, flags, strict=True) if has_rows]


async def _empty_all_tables(container: Container) -> None:
    """Wipes what a test left, with the relay held so that no batch runs halfway through.

    Events the test left unpublished are checked against their contracts and then deleted with the rest: their
    consumers' work would happen after the test, where no assertion can see it.
    """
    async with container.relay.paused():
        await container.jobs.join()
        await container.delivery.reset()
        violations = await _contract_violations(container)
        async with container.engine.begin() as connection:
            if container.settings.database_kind is DatabaseKind.MYSQL:
                await connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
            for table in reversed(await _tables_with_rows(connection)):
                await connection.execute(delete(table))
            if container.settings.database_kind is DatabaseKind.MYSQL:
                await connection.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    if violations:
        pytest.fail("Events broke their contracts (packages/contracts/events):\n" + "\n".join(violations))


@pytest.fixture
async def client(app: FastAPI, container: Container) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield http
    await _empty_all_tables(container)


@pytest.fixture
async def tenant(client: AsyncClient, container: Container) -> Tenant:
    return await make_tenant(container, "acme")


@pytest.fixture
async def other_tenant(client: AsyncClient, container: Container) -> Tenant:
    return await make_tenant(container, "globex")
