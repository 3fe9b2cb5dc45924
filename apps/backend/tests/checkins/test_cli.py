"""``sos checkins`` lists and cancels timers as a named admin, against the test database."""

from __future__ import annotations

import asyncio
import json

from httpx import AsyncClient
from typer.testing import CliRunner, Result

from sos.cli import app
from tests.checkins.support import start_timer
from tests.factories import Tenant

runner = CliRunner()


async def _sos(database_url: str, *args: str) -> Result:
    env = {"SOS_DATABASE_URL": database_url, "SOS_LOG_LEVEL": "WARNING"}
    return await asyncio.to_thread(lambda: runner.invoke(app, ["checkins", *args], env=env))


async def test_list_shows_the_organizations_active_timers(
    client: AsyncClient, tenant: Tenant, database_url: str
) -> None:
    active = await start_timer(client, tenant.reporter)
    cancelled = await start_timer(client, tenant.responder)
    await client.post(f"/api/v1/checkins/{cancelled['id']}/cancel", headers=tenant.responder.headers)
    result = await _sos(database_url, "list", "--organization", tenant.slug, "--as", tenant.admin.email, "--json")
    assert result.exit_code == 0, result.output
    assert [timer["id"] for timer in json.loads(result.output)] == [active["id"]]


async def test_list_prints_a_table_by_default(client: AsyncClient, tenant: Tenant, database_url: str) -> None:
    timer = await start_timer(client, tenant.reporter)
    result = await _sos(database_url, "list", "--organization", tenant.slug, "--as", tenant.admin.email)
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.startswith("ID")
    assert row.startswith(timer["id"])
    assert "walking home" in row


async def test_cancel_stops_a_timer(client: AsyncClient, tenant: Tenant, database_url: str) -> None:
    timer = await start_timer(client, tenant.reporter)
    result = await _sos(database_url, "cancel", timer["id"], "--organization", tenant.slug, "--as", tenant.admin.email)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "cancelled"
    reread = await client.get(f"/api/v1/checkins/{timer['id']}", headers=tenant.reporter.headers)
    assert reread.json()["cancelled_by_id"] == str(tenant.admin.user_id)


async def test_only_an_admin_of_that_organization_may_act(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, database_url: str
) -> None:
    timer = await start_timer(client, tenant.reporter)
    as_coordinator = await _sos(database_url, "list", "--organization", tenant.slug, "--as", tenant.coordinator.email)
    as_stranger = await _sos(
        database_url, "cancel", timer["id"], "--organization", tenant.slug, "--as", other_tenant.admin.email
    )
    assert (as_coordinator.exit_code, as_stranger.exit_code) == (1, 1)
    assert "not an active admin" in as_coordinator.output
    reread = await client.get(f"/api/v1/checkins/{timer['id']}", headers=tenant.reporter.headers)
    assert reread.json()["status"] == "active"


async def test_cancelling_an_unknown_timer_fails(tenant: Tenant, database_url: str) -> None:
    missing = "01890000-0000-7000-8000-000000000000"
    result = await _sos(database_url, "cancel", missing, "--organization", tenant.slug, "--as", tenant.admin.email)
    assert result.exit_code == 1
    assert "No check-in timer" in result.output
