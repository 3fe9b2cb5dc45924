"""``sos policies`` against a real SQLite database in a temporary folder."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from sos.cli import app
from sos.core.config import Settings
from sos.core.db import create_engine, utcnow
from sos.core.ids import new_id
from sos.demo.accounts import create_admin_account
from sos.models import metadata
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

runner = CliRunner()
ADMIN = "chief@example.com"


async def _responder(slug: str) -> UUID:
    engine = create_engine(Settings())
    user_id, now = new_id(), utcnow()
    try:
        async with engine.begin() as connection:
            organization_id = (
                await connection.execute(select(Organization.id).where(Organization.slug == slug))
            ).scalar_one()
            await connection.execute(
                insert(User).values(
                    id=user_id, email="medic@example.com", full_name="Medic", created_at=now, updated_at=now
                )
            )
            await connection.execute(
                insert(Membership).values(
                    id=new_id(),
                    organization_id=organization_id,
                    user_id=user_id,
                    role=Role.RESPONDER,
                    status=MembershipStatus.ACTIVE,
                    created_at=now,
                    updated_at=now,
                )
            )
    finally:
        await engine.dispose()
    return user_id


async def _empty_database() -> None:
    engine = create_engine(Settings())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


@pytest.fixture
def organization(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, UUID]:
    monkeypatch.setenv("SOS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOS_DATABASE_URL", raising=False)
    monkeypatch.setenv("SOS_LOG_LEVEL", "WARNING")
    asyncio.run(_empty_database())
    slug = asyncio.run(create_admin_account(Settings(), ADMIN, "Harbor Rescue", "Chief", "a long admin password"))
    return slug, asyncio.run(_responder(slug))


def _policies(slug: str, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["policies", *arguments, "--organization", slug, "--as", ADMIN])
    return result.exit_code, result.output


def test_an_admin_creates_lists_defaults_and_deletes_a_policy(organization: tuple[str, UUID], tmp_path: Path) -> None:
    slug, responder_id = organization
    file = tmp_path / "policy.json"
    file.write_text(
        json.dumps(
            {
                "name": "Harbor nights",
                "repeat_count": 1,
                "tiers": [{"delay_minutes": 5, "targets": [{"kind": "user", "user_id": str(responder_id)}]}],
            }
        )
    )
    code, output = _policies(slug, "create", "--file", str(file))
    assert code == 0, output
    policy_id = json.loads(output)["id"]

    code, output = _policies(slug, "set-default", policy_id)
    assert code == 0, output
    assert json.loads(output)["is_default"] is True

    code, output = _policies(slug, "list")
    assert policy_id in output
    assert "Harbor nights" in output
    assert json.loads(_policies(slug, "show", policy_id)[1])["tiers"][0]["delay_minutes"] == 5

    code, output = _policies(slug, "delete", policy_id)
    assert code == 0, output
    assert json.loads(_policies(slug, "list", "--json")[1]) == []


def test_an_invalid_file_is_refused_naming_the_problem(organization: tuple[str, UUID], tmp_path: Path) -> None:
    slug, _ = organization
    file = tmp_path / "policy.json"
    file.write_text(json.dumps({"name": "Empty", "tiers": []}))
    code, output = _policies(slug, "create", "--file", str(file))
    assert code != 0
    assert "tiers" in output


def test_a_target_outside_the_organization_is_refused(organization: tuple[str, UUID], tmp_path: Path) -> None:
    slug, _ = organization
    file = tmp_path / "policy.json"
    stranger = "01890000-0000-7000-8000-000000000000"
    file.write_text(
        json.dumps({"name": "X", "tiers": [{"delay_minutes": 5, "targets": [{"kind": "user", "user_id": stranger}]}]})
    )
    code, output = _policies(slug, "create", "--file", str(file))
    assert code == 1
    assert "#/tiers/0/targets/0/user_id: no such user in your organization" in output


def test_only_an_admin_of_the_organization_may_act(organization: tuple[str, UUID]) -> None:
    slug, _ = organization
    result = runner.invoke(app, ["policies", "list", "--organization", slug, "--as", "medic@example.com"])
    assert result.exit_code == 1
    assert "not an active admin" in result.output
