"""Database failures the client can act on are typed problems, not 500s."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sos.app import create_app
from sos.core.container import Container


def _failing_app(container: Container, error: Exception) -> FastAPI:
    app = create_app(container=container)

    @app.get("/fails")
    async def fails() -> None:
        raise error

    return app


async def _get(app: FastAPI) -> tuple[int, dict[str, object], dict[str, str]]:
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/fails")
    return response.status_code, response.json(), dict(response.headers)


async def test_a_deadlock_is_a_retryable_conflict(container: Container) -> None:
    deadlock = OperationalError("UPDATE ...", {}, Exception(1213, "Deadlock found when trying to get lock"))
    status, body, _ = await _get(_failing_app(container, deadlock))
    assert status == 409
    assert body["code"] == "concurrent_modification"


async def test_an_exhausted_connection_pool_is_a_503_with_retry_after(container: Container) -> None:
    status, body, headers = await _get(_failing_app(container, PoolTimeout("QueuePool limit reached")))
    assert status == 503
    assert body["code"] == "service_unavailable"
    assert headers["retry-after"] == "1"


async def test_other_database_errors_are_internal_errors_without_details(container: Container) -> None:
    broken = OperationalError("SELECT secret FROM ...", {}, Exception("syntax error near secret"))
    status, body, _ = await _get(_failing_app(container, broken))
    assert status == 500
    assert body["code"] == "internal_error"
    assert "secret" not in str(body)


async def test_a_lost_mariadb_connection_is_a_503(container: Container) -> None:
    lost = OperationalError("SELECT 1", {}, Exception(2013, "Lost connection to MySQL server during query"))
    status, _, headers = await _get(_failing_app(container, lost))
    assert status == 503
    assert headers["retry-after"] == "2"
