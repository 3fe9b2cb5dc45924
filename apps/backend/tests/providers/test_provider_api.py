"""An admin's provider accounts: credentials go in encrypted and never come back out, health is visible."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.providers.models import NotificationProvider
from tests.factories import Tenant
from tests.providers.smtp_server import LoopbackSmtpServer, free_port

URL = "/api/v1/notification-providers"
PASSWORD = "s3cret-relay-password"


def _smtp(port: int, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "smtp",
        "name": "Relay",
        "settings": {"host": "127.0.0.1", "port": port, "security": "none", "from_address": "sos@sos.test"},
        "secrets": {"password": PASSWORD},
    } | overrides


async def _create(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_created_provider_shows_which_secrets_are_stored_but_not_their_values(
    client: AsyncClient, tenant: Tenant
) -> None:
    created = await _create(client, tenant, _smtp(2525))
    assert created["secret_fields"] == ["password"]
    assert PASSWORD not in str(created)
    listed = await client.get(URL, headers=tenant.admin.headers)
    assert PASSWORD not in listed.text


async def test_stored_secrets_are_encrypted_at_rest(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await _create(client, tenant, _smtp(2525))
    async with container.engine.connect() as connection:
        stored = await connection.scalar(select(NotificationProvider.secrets))
    assert stored is not None
    assert PASSWORD not in stored


async def test_changing_settings_without_secrets_keeps_the_stored_ones(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await _create(client, tenant, _smtp(2525))
    response = await client.patch(
        f"{URL}/{created['id']}", json={"priority": 5, "enabled": False}, headers=tenant.admin.headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["priority"], response.json()["enabled"]) == (5, False)
    assert response.json()["secret_fields"] == ["password"]


async def test_settings_the_kind_does_not_know_are_a_422_naming_the_field(client: AsyncClient, tenant: Tenant) -> None:
    body = _smtp(2525)
    body["settings"] |= {"hostname": "typo"}
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == ["#/settings/hostname"]


async def test_an_invalid_port_is_a_422(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(URL, json=_smtp(70000), headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/settings/port"


async def test_a_rejected_secret_is_not_echoed_in_the_error(client: AsyncClient, tenant: Tenant) -> None:
    body = _smtp(2525)
    body["secrets"] = {"password": PASSWORD, "api_key": "leaked-value"}
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert "leaked-value" not in response.text
    assert PASSWORD not in response.text


async def test_an_unknown_kind_is_a_422(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(URL, json=_smtp(2525, kind="carrier-pigeon"), headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/kind"


async def test_built_in_kinds_need_no_account(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(URL, json=_smtp(2525, kind="webpush"), headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_two_providers_cannot_share_a_name(client: AsyncClient, tenant: Tenant) -> None:
    await _create(client, tenant, _smtp(2525))
    response = await client.post(URL, json=_smtp(2526), headers=tenant.admin.headers)
    assert response.status_code == 409


async def test_the_list_includes_the_built_in_providers_with_their_health(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL, headers=tenant.admin.headers)
    built_in = {item["kind"]: item for item in response.json() if item["built_in"]}
    assert set(built_in) >= {"webpush", "chat"}
    assert built_in["webpush"]["health"]["breaker"] is None
    assert built_in["webpush"]["health"]["attempts_last_hour"] == 0


async def test_the_kinds_list_describes_each_configurable_kind(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{URL}/kinds", headers=tenant.admin.headers)
    kinds = {item["kind"]: item for item in response.json()}
    assert {"smtp", "twilio", "http_sms", "fcm", "apns"} <= {k for k, v in kinds.items() if v["configurable"]}
    assert "password" in kinds["smtp"]["secrets_schema"]["properties"]


async def test_check_now_reports_a_reachable_server_as_healthy(client: AsyncClient, tenant: Tenant) -> None:
    with LoopbackSmtpServer() as smtp:
        created = await _create(client, tenant, _smtp(smtp.port, secrets={}))
        response = await client.post(f"{URL}/{created['id']}/check", headers=tenant.admin.headers)
    assert response.json()["ok"] is True


async def test_check_now_reports_an_unreachable_server_without_secrets(
    client: AsyncClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    created = await _create(client, tenant, _smtp(free_port()))
    with caplog.at_level(logging.DEBUG):
        response = await client.post(f"{URL}/{created['id']}/check", headers=tenant.admin.headers)
    assert response.json()["ok"] is False
    assert PASSWORD not in response.text
    assert PASSWORD not in caplog.text


async def test_a_deleted_provider_is_gone(client: AsyncClient, tenant: Tenant) -> None:
    created = await _create(client, tenant, _smtp(2525))
    assert (await client.delete(f"{URL}/{created['id']}", headers=tenant.admin.headers)).status_code == 204
    assert (await client.get(f"{URL}/{created['id']}", headers=tenant.admin.headers)).status_code == 404


async def test_another_organizations_provider_is_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await _create(client, tenant, _smtp(2525))
    response = await client.get(f"{URL}/{created['id']}", headers=other_tenant.admin.headers)
    assert response.status_code == 404
