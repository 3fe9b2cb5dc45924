"""Alembic environment: runs on the connection it is handed, or on the engine the settings choose."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from sos.core.config import Settings
from sos.core.db import create_engine
from sos.models import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_settings() -> None:
    engine = create_engine(Settings())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
handed = context.config.attributes.get("connection")
if handed is not None:
    _run(handed)
else:
    asyncio.run(_run_with_settings())
