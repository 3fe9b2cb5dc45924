"""The `sos` command line against a real SQLite database in a temporary folder."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from sos.alerts.models import Alert
from sos.app import create_app
from sos.cli import app
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.demo.seed import DEMO_PASSWORD, LOGINS
from sos.incidents.models import Incident
from sos.messages.models import Message
from sos.timeline.models import TimelineEntry

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOS_DATABASE_URL", raising=False)
    monkeypatch.setenv("SOS_LOG_LEVEL", "WARNING")
    return tmp_path


def _count(model: type[Alert] | type[Incident] | type[Message] | type[TimelineEntry]) -> int:
    async def count() -> int:
        engine = create_engine(Settings())
        try:
            async with engine.connect() as connection:
                return int((await connection.execute(select(func.count()).select_from(model))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


async def _login(email: str, password: str) -> tuple[str, int]:
    application = create_app(Settings())
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(
                "/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": password}
            )
    return response.json().get("role", ""), response.status_code


def test_migrate_creates_the_database_file(data_dir: Path) -> None:
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "sos.db").exists()


def test_seed_demo_fills_an_empty_database_and_prints_every_login(data_dir: Path) -> None:
    runner.invoke(app, ["migrate"])
    result = runner.invoke(app, ["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo organization seeded" in result.output
    assert DEMO_PASSWORD in result.output
    assert all(person.email in result.output for person in LOGINS)
    assert _count(Alert) == 7
    assert _count(Incident) == 1
    assert _count(Message) == 3
    assert _count(TimelineEntry) > 7


def test_seed_demo_leaves_a_database_with_data_alone(data_dir: Path) -> None:
    runner.invoke(app, ["migrate"])
    runner.invoke(app, ["seed-demo"])
    result = runner.invoke(app, ["seed-demo"])
    assert "demo seed skipped" in result.output
    assert _count(Alert) == 7


def test_create_admin_makes_an_admin_who_can_log_in(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(app, ["migrate"])
    monkeypatch.setenv("SOS_ADMIN_PASSWORD", "a long admin password")
    result = runner.invoke(app, ["create-admin", "--email", "chief@example.com", "--organization", "Harbor Rescue"])
    assert result.exit_code == 0, result.output
    assert "harbor-rescue" in result.output
    assert asyncio.run(_login("chief@example.com", "a long admin password")) == ("admin", 200)


def test_create_admin_refuses_a_short_password(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(app, ["migrate"])
    monkeypatch.setenv("SOS_ADMIN_PASSWORD", "short")
    result = runner.invoke(app, ["create-admin", "--email", "chief@example.com", "--organization", "Harbor"])
    assert result.exit_code != 0


def test_the_scheduler_stops_cleanly_on_sigterm(data_dir: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    sos = Path(sys.executable).with_name("sos")
    with subprocess.Popen(  # noqa: S603 - our own console script
        [str(sos), "scheduler"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy()
    ) as scheduler:
        assert scheduler.stdout is not None
        assert "scheduler running" in scheduler.stdout.readline()
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=30)
    assert scheduler.returncode == 0, output
    assert "scheduler stopped" in output
