"""Which failures are outages (wait, never dead-letter) and which are the message's or the handler's fault, judged on
the exception objects the real drivers raise, wrapped the way SQLAlchemy wraps them."""

from __future__ import annotations

import socket
import sqlite3

import asyncpg  # type: ignore[import-untyped]
import pymysql.err  # type: ignore[import-untyped]
import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, RequestTimedOutError
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from sos.core.kafka_consumer import is_outage

ASYNCPG_DBAPI = AsyncAdapt_asyncpg_dbapi(asyncpg)  # type: ignore[no-untyped-call]


def through_asyncpg(error: asyncpg.PostgresError) -> DBAPIError:
    """What SQLAlchemy's asyncpg dialect raises for ``error``: its adapter keeps the SQLSTATE."""
    translated = ASYNCPG_DBAPI._asyncpg_error_translate
    adapter_class = next(translated[kind] for kind in type(error).__mro__ if kind in translated)
    adapted = adapter_class(str(error), error)
    adapted.__cause__ = error
    return wrapped(adapted, ASYNCPG_DBAPI.Error)


def through_aiomysql(code: int) -> DBAPIError:
    """What SQLAlchemy's aiomysql dialect raises for MySQL error ``code``, mapped to a class the way pymysql does."""
    error_class = pymysql.err.error_map.get(
        code, pymysql.err.OperationalError if code >= 1000 else pymysql.err.InternalError
    )
    return wrapped(error_class(code, "error"), pymysql.err.Error)


def through_sqlite(error: sqlite3.Error) -> DBAPIError:
    return wrapped(error, sqlite3.Error)


def wrapped(orig: Exception, dbapi_error: type[Exception], *, connection_invalidated: bool = False) -> DBAPIError:
    """The exception SQLAlchemy raises for the driver's ``orig``, chosen by the name of the driver's class."""
    error = DBAPIError.instance("SELECT 1", None, orig, dbapi_error, connection_invalidated=connection_invalidated)
    assert isinstance(error, DBAPIError)
    return error


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.LockNotAvailableError("could not obtain lock"),
    ],
    ids=lambda error: error.sqlstate,
)
def test_postgresql_outages_are_recognised_by_sqlstate(error: asyncpg.PostgresError) -> None:
    wrapped = through_asyncpg(error)
    assert type(wrapped) is DBAPIError
    assert not wrapped.connection_invalidated
    assert is_outage(wrapped)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.UndefinedColumnError("column does not exist"),
        asyncpg.exceptions.InvalidTextRepresentationError("invalid input syntax for type uuid"),
        asyncpg.exceptions.DivisionByZeroError("division by zero"),
    ],
    ids=lambda error: error.sqlstate,
)
def test_postgresql_errors_of_the_statement_are_not_outages(error: asyncpg.PostgresError) -> None:
    assert not is_outage(through_asyncpg(error))


@pytest.mark.parametrize("code", [1040, 1205, 1213, 1927, 2002, 2003, 2006, 2013])
def test_mysql_outages_are_recognised_by_error_number(code: int) -> None:
    assert is_outage(through_aiomysql(code))
    assert is_outage(pymysql.err.InternalError(code, "raised by the driver itself"))


@pytest.mark.parametrize("code", [1062, 1406, 1452])
def test_mysql_errors_of_the_statement_are_not_outages(code: int) -> None:
    assert not is_outage(through_aiomysql(code))
    assert not is_outage(pymysql.err.InternalError(code, "raised by the driver itself"))


def test_a_locked_or_missing_sqlite_database_is_an_outage() -> None:
    assert is_outage(through_sqlite(sqlite3.OperationalError("database is locked")))
    assert is_outage(through_sqlite(sqlite3.OperationalError("unable to open database file")))
    assert not is_outage(through_sqlite(sqlite3.IntegrityError("UNIQUE constraint failed")))


def test_an_invalidated_connection_and_an_exhausted_pool_are_outages() -> None:
    invalidated = wrapped(sqlite3.DatabaseError("gone"), sqlite3.Error, connection_invalidated=True)
    assert is_outage(invalidated)
    assert is_outage(PoolTimeoutError("QueuePool limit reached"))


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        socket.gaierror(-2, "Name or service not known"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed, [Errno 99] Cannot assign requested address"),
        OSError(101, "Network is unreachable"),
    ],
    ids=repr,
)
def test_network_failures_are_outages(error: OSError) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [FileNotFoundError(2, "No such file or directory"), PermissionError(13, "Permission denied"), OSError("disk")],
    ids=repr,
)
def test_file_errors_of_a_handler_are_not_outages(error: OSError) -> None:
    assert not is_outage(error)


def test_only_retriable_kafka_errors_are_outages() -> None:
    assert is_outage(KafkaConnectionError("no broker"))
    assert is_outage(RequestTimedOutError())
    assert not is_outage(MessageSizeTooLargeError())


def load_alert_while_the_database_starts() -> None:
    try:
        raise through_asyncpg(asyncpg.exceptions.CannotConnectNowError("starting up"))
    except DBAPIError as exc:
        raise RuntimeError("could not load the alert") from exc


def test_an_outage_raised_as_the_cause_of_a_handler_error_is_an_outage() -> None:
    with pytest.raises(RuntimeError) as raised:
        load_alert_while_the_database_starts()
    assert is_outage(raised.value)
    assert not is_outage(RuntimeError("a bug"))
    assert not is_outage(RecursionError("maximum recursion depth exceeded"))
