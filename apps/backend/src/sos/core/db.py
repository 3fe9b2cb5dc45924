"""Engine, metadata and portable column types for SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, DateTime, Dialect, MetaData, String, TypeDecorator, Uuid, event
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry

from sos.core.config import DatabaseKind, Settings
from sos.core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC with microseconds everywhere and always returns an aware datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in {"mysql", "mariadb"}:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name in {"mysql", "mariadb", "sqlite"} else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONValue = JSON().with_variant(mysql.JSON(), "mysql", "mariadb")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), UUID: Uuid(), str: String(255)}


class IdMixin:
    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database
    kind = settings.database_kind
    options: dict[str, Any] = {
        "echo": settings.database_echo,
        "pool_pre_ping": kind is not DatabaseKind.SQLITE,
    }
    if kind is DatabaseKind.SQLITE:
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one writer: a single pooled connection serialises writers without "database is locked".
        options |= {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
    else:
        options |= {
            "pool_size": settings.database_pool_size,
            "max_overflow": settings.database_pool_size,
            "pool_recycle": 1800,
            "pool_timeout": settings.database_pool_timeout_seconds,
        }
    if kind is DatabaseKind.MYSQL:
        options["isolation_level"] = "READ COMMITTED"
    if kind is DatabaseKind.POSTGRESQL:
        options["connect_args"] = {"server_settings": {"timezone": "UTC", "jit": "off"}}
    engine = create_async_engine(url, **options)
    if kind is DatabaseKind.SQLITE:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine
