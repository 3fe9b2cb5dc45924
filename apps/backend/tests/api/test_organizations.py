from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.core.events import OutboxEvent
from sos.users.domain import Role
from tests.factories import Tenant

URL = "/api/v1/organization"


@pytest.mark.parametrize("role", list(Role))
async def test_every_member_reads_their_organization(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.get(URL, headers=tenant.members[role].headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(tenant.organization_id)
    assert body["slug"] == tenant.slug
    assert body["timezone"] == "UTC"
    assert response.headers["ETag"] == '"1"'


async def test_reading_the_organization_needs_a_token(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL)
    assert response.status_code == 401


async def test_admin_renames_organization_and_sets_timezone(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(
        URL, json={"name": "Acme Rescue", "timezone": "Europe/Berlin"}, headers=tenant.admin.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Acme Rescue"
    assert response.json()["timezone"] == "Europe/Berlin"
    assert response.headers["ETag"] == '"2"'
    again = await client.get(URL, headers=tenant.reporter.headers)
    assert again.json()["name"] == "Acme Rescue"


async def test_update_changes_only_the_callers_organization(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await client.patch(URL, json={"name": "Renamed"}, headers=tenant.admin.headers)
    other = await client.get(URL, headers=other_tenant.admin.headers)
    assert other.json()["name"] != "Renamed"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RESPONDER, Role.REPORTER])
async def test_only_admins_update_the_organization(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.patch(URL, json={"name": "Nope"}, headers=tenant.members[role].headers)
    assert response.status_code == 403


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "localtime", ""])
async def test_timezone_must_be_an_iana_zone(client: AsyncClient, tenant: Tenant, zone: str) -> None:
    response = await client.patch(URL, json={"timezone": zone}, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/timezone"


async def test_unknown_field_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(URL, json={"slug": "hijack"}, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/slug"


async def test_null_name_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(URL, json={"name": None}, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/name"


async def test_empty_update_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(URL, json={}, headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_stale_if_match_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    await client.patch(URL, json={"name": "First"}, headers=tenant.admin.headers)
    response = await client.patch(URL, json={"name": "Second"}, headers=tenant.admin.headers | {"If-Match": '"1"'})
    assert response.status_code == 412
    assert response.json()["current_version"] == 2


async def test_current_if_match_is_accepted(client: AsyncClient, tenant: Tenant) -> None:
    etag = (await client.get(URL, headers=tenant.admin.headers)).headers["ETag"]
    response = await client.patch(URL, json={"name": "Fresh"}, headers=tenant.admin.headers | {"If-Match": etag})
    assert response.status_code == 200


async def test_malformed_if_match_is_a_bad_request(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(URL, json={"name": "X"}, headers=tenant.admin.headers | {"If-Match": "v1"})
    assert response.status_code == 400


async def test_unchanged_values_keep_the_version(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(URL, json={"timezone": "UTC"}, headers=tenant.admin.headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'


async def test_update_records_an_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await client.patch(URL, json={"timezone": "Asia/Tokyo"}, headers=tenant.admin.headers)
    async with container.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(OutboxEvent.payload).where(
                    OutboxEvent.event_type == "organization.updated",
                    OutboxEvent.organization_id == tenant.organization_id,
                )
            )
        ).all()
    assert [row.payload["changes"] for row in rows] == [{"timezone": "Asia/Tokyo"}]
