"""Throwaway databases on the local servers: each test session creates its own and drops it."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ALL_BACKENDS = ("sqlite", "postgresql", "mariadb")
POSTGRES_SERVER = os.environ.get("SOS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
MARIADB_SERVER = os.environ.get("SOS_TEST_MARIADB_URL", "mysql+aiomysql://root@127.0.0.1:3306/mysql")


def selected_backends() -> list[str]:
    raw = os.environ.get("SOS_TEST_DATABASES", ",".join(ALL_BACKENDS))
    chosen = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = set(chosen) - set(ALL_BACKENDS)
    if unknown:
        raise ValueError(f"unknown test databases: {sorted(unknown)}")
    return chosen


@asynccontextmanager
async def throwaway_database(backend: str, workdir: Path) -> AsyncIterator[str]:
    """Yields a URL to an empty database that is dropped afterwards."""
    name = f"sos_test_{secrets.token_hex(6)}"
    if backend == "sqlite":
        yield f"sqlite:///{workdir / (name + '.db')}"
        return
    server = POSTGRES_SERVER if backend == "postgresql" else MARIADB_SERVER
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f"CREATE DATABASE {name}"))
        base = server.rsplit("/", 1)[0].replace("+asyncpg", "").replace("+aiomysql", "")
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as connection:
            if backend == "postgresql":
                await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await admin.dispose()
