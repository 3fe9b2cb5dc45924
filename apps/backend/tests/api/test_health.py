from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from sos.app import create_app
from sos.core.container import Container, bootstrap
from tests.factories import Tenant, sos_body
from tests.settings import make_settings

UNREACHABLE_DATABASE = "postgresql://nobody@127.0.0.1:9/nothing"


@pytest.fixture
async def client_without_database(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    container = bootstrap(make_settings(UNREACHABLE_DATABASE, tmp_path))
    application = create_app(container=container)
    application.state.container = container
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver") as http:
        yield http
    await container.dispose()


async def test_livez_answers_ok(client: AsyncClient) -> None:
    response = await client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database(client: AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_readyz_is_503_when_the_database_is_down(client_without_database: AsyncClient) -> None:
    response = await client_without_database.get("/readyz", headers={"X-Request-ID": "probe-00000001"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["checks"] == {"database": "down"}
    assert response.json()["request_id"] == "probe-00000001"


async def test_livez_needs_no_database(client_without_database: AsyncClient) -> None:
    response = await client_without_database.get("/livez")
    assert response.status_code == 200


async def test_health_endpoints_echo_the_request_id(client: AsyncClient) -> None:
    response = await client.get("/readyz", headers={"X-Request-ID": "probe-00000002"})
    assert response.headers["X-Request-ID"] == "probe-00000002"


async def test_raising_an_sos_while_the_database_is_down_is_a_retryable_503(
    client_without_database: AsyncClient, tenant: Tenant, container: Container
) -> None:
    response = await client_without_database.post(
        "/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers | {"Idempotency-Key": "offline-00001"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "2"
