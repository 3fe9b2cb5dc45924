"""Migrations go up to head and back down to base on every database, and match the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from sos.core import migrations
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.models import metadata
from tests.databases import throwaway_database


@pytest.fixture
async def empty_engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with throwaway_database(backend, tmp_path) as url:
        engine = create_engine(Settings(database_url=url, data_dir=tmp_path))
        yield engine
        await engine.dispose()


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_upgrade_creates_every_model_table(empty_engine: AsyncEngine) -> None:
    await migrations.upgrade(empty_engine)
    async with empty_engine.connect() as connection:
        tables = await connection.run_sync(_table_names)
    assert set(metadata.tables) <= tables


async def test_migrated_schema_matches_the_models(empty_engine: AsyncEngine) -> None:
    await migrations.upgrade(empty_engine)
    async with empty_engine.connect() as connection:
        drift = await connection.run_sync(_drift)
    assert drift == []


async def test_downgrade_to_base_removes_every_table(empty_engine: AsyncEngine) -> None:
    await migrations.upgrade(empty_engine)
    await migrations.downgrade(empty_engine, "base")
    async with empty_engine.connect() as connection:
        tables = await connection.run_sync(_table_names)
    assert tables <= {"alembic_version"}


async def test_upgrade_after_downgrade_succeeds(empty_engine: AsyncEngine) -> None:
    await migrations.upgrade(empty_engine)
    await migrations.downgrade(empty_engine, "base")
    await migrations.upgrade(empty_engine)
    async with empty_engine.connect() as connection:
        tables = await connection.run_sync(_table_names)
    assert set(metadata.tables) <= tables
