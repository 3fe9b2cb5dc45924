"""The unit of work: one transaction per use case, committed once, with its events in the outbox."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sos.core.config import DatabaseKind
from sos.core.events import DomainEvent, OutboxEvent, outbox_row
from sos.core.request_context import child_traceparent, current_traceparent

logger = logging.getLogger("sos.uow")


class UnitOfWork:
    """Use as ``async with uow:``; call :meth:`commit` once at the end, or everything rolls back."""

    def __init__(self, engine: AsyncEngine, on_commit: Callable[[], None] | None = None) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._connection: AsyncConnection | None = None
        self._events: list[DomainEvent] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self.committed = False

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def kind(self) -> DatabaseKind:
        name = self._engine.dialect.name
        return DatabaseKind.MYSQL if name in {"mysql", "mariadb"} else DatabaseKind(name)

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open; use 'async with uow:'")
        return self._connection

    def record(self, *events: DomainEvent) -> None:
        self._events.extend(events)

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Runs ``callback`` once the transaction has committed; a failing callback is logged, not raised."""
        self._after_commit.append(callback)

    async def __aenter__(self) -> Self:
        self._events = []
        self._after_commit = []
        self.committed = False
        self._connection = await self._engine.connect()
        await self._connection.begin()
        return self

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Self]:
        """A read-only use case: no transaction round trips, and nothing to commit or roll back."""
        connection = await self._engine.connect()
        self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield self
        finally:
            self._connection = None
            await connection.close()

    async def commit(self) -> None:
        connection = self.connection
        if self._events:
            # Work outside a request (the scheduler, the CLI) starts a trace of its own.
            trace_context = current_traceparent() or child_traceparent(None)
            await connection.execute(insert(OutboxEvent), [outbox_row(event, trace_context) for event in self._events])
        await connection.commit()
        self.committed = True
        if self._events and self._on_commit is not None:
            self._on_commit()
        self._events = []
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                await callback()
            except Exception:
                logger.exception("an after-commit callback failed")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if not self.committed:
                await connection.rollback()
        finally:
            await connection.close()


class UnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, on_commit: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.on_commit = on_commit

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.on_commit)
