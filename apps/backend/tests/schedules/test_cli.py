"""``sos schedules`` against the test database, acting as the tenant's admin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sos.cli import app
from tests.factories import Tenant
from tests.schedules.api import daily_layer, schedule_body

runner = CliRunner()


@pytest.fixture
def acting(database_url: str, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SOS_DATABASE_URL", database_url)
    monkeypatch.setenv("SOS_LOG_LEVEL", "WARNING")
    return ["--organization", tenant.slug, "--as", tenant.admin.email]


def _invoke(*args: str) -> str:
    result = runner.invoke(app, ["schedules", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_create_show_list_and_who_is_on_call(acting: list[str], tenant: Tenant, tmp_path: Path) -> None:
    file = tmp_path / "schedule.json"
    file.write_text(json.dumps(schedule_body(daily_layer(tenant.responder.user_id, tenant.coordinator.user_id))))
    created = json.loads(_invoke("create", *acting, "--file", str(file)))
    assert json.loads(_invoke("show", created["id"], *acting)) == created
    assert created["id"] in _invoke("list", *acting)
    on_call = json.loads(_invoke("who-is-on-call", created["id"], *acting, "--at", "2026-03-29T07:00:00Z"))
    assert on_call["user_ids"] == [str(tenant.coordinator.user_id)]


def test_add_override_changes_who_is_on_call(acting: list[str], tenant: Tenant, tmp_path: Path) -> None:
    file = tmp_path / "schedule.json"
    file.write_text(json.dumps(schedule_body(daily_layer(tenant.responder.user_id))))
    schedule_id = json.loads(_invoke("create", *acting, "--file", str(file)))["id"]
    window = ["--from", "2026-10-25T00:00:00Z", "--until", "2026-10-25T03:00:00Z"]
    _invoke("add-override", schedule_id, *acting, "--user", str(tenant.admin.user_id), *window)
    on_call = json.loads(_invoke("who-is-on-call", schedule_id, *acting, "--at", "2026-10-25T01:30:00Z"))
    assert on_call["user_ids"] == [str(tenant.admin.user_id)]


def test_a_bad_schedule_file_fails_and_saves_nothing(acting: list[str], tmp_path: Path) -> None:
    file = tmp_path / "schedule.json"
    file.write_text(json.dumps(schedule_body(time_zone="Mars/Olympus")))
    result = runner.invoke(app, ["schedules", "create", *acting, "--file", str(file)])
    assert result.exit_code != 0
    assert "time_zone" in result.output
    assert "Berlin on call" not in _invoke("list", *acting)


def test_someone_who_is_not_an_admin_is_refused(acting: list[str], tenant: Tenant) -> None:
    result = runner.invoke(app, ["schedules", "list", "--organization", tenant.slug, "--as", tenant.responder.email])
    assert result.exit_code == 1
    assert "not an active admin" in result.output
