"""``sos policies``: escalation policies from the command line, acting as a named organization admin."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from pydantic import ValidationError
from sqlalchemy import func, select

from sos.auth.principal import Principal
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.errors import ProblemError
from sos.core.pagination import MAX_LIMIT
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.escalation import service
from sos.escalation.schemas import PolicyIn, PolicyRead
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

app = typer.Typer(no_args_is_help=True, help="Escalation policies: list, show, create, delete, set the default.")

ResultT = TypeVar("ResultT")
OrganizationOption = Annotated[str, typer.Option("--organization", help="The organization's slug")]
AdminOption = Annotated[str, typer.Option("--as", help="Email of an active admin of that organization")]
PolicyArgument = Annotated[UUID, typer.Argument(help="The policy's id")]


class NotAnAdmin(Exception):
    pass


async def _admin(uow: UnitOfWork, organization: str, email: str) -> Principal:
    async with uow.read():
        row = (
            await uow.connection.execute(
                select(Membership.user_id, Membership.organization_id)
                .join(Organization, Organization.id == Membership.organization_id)
                .join(User, User.id == Membership.user_id)
                .where(
                    Organization.slug == organization,
                    func.lower(User.email) == email.lower(),
                    Membership.role == Role.ADMIN,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        ).first()
    if row is None:
        raise NotAnAdmin(f"{email} is not an active admin of organization '{organization}'")
    return Principal(user_id=row.user_id, organization_id=row.organization_id, role=Role.ADMIN)


def _run(organization: str, email: str, action: Callable[[UnitOfWork, Principal], Awaitable[ResultT]]) -> ResultT:
    async def run() -> ResultT:
        engine = create_engine(Settings())
        try:
            uow_factory = UnitOfWorkFactory(engine)
            principal = await _admin(uow_factory(), organization, email)
            return await action(uow_factory(), principal)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (NotAnAdmin, ProblemError) as exc:
        typer.echo(f"error: {exc}", err=True)
        for problem in getattr(exc, "extensions", {}).get("errors", []):
            typer.echo(f"  {problem['pointer']}: {problem['message']}", err=True)
        raise typer.Exit(1) from exc


def _print(policy: PolicyRead) -> None:
    typer.echo(policy.model_dump_json(indent=2))


def _table(policies: list[PolicyRead]) -> str:
    lines = [f"{'ID':36}  {'DEFAULT':7}  {'TIERS':5}  {'REPEAT':6}  {'TEAM':36}  NAME"]
    lines += [
        f"{p.id!s:36}  {'yes' if p.is_default else '':7}  {len(p.tiers):5}  {p.repeat_count:6}  "
        f"{p.team_id or '':36}  {p.name}"
        for p in policies
    ]
    return "\n".join(lines)


def _read_policy_file(path: Path) -> PolicyIn:
    try:
        return PolicyIn.model_validate(json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}", param_hint="--file") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(f"{path} is not a valid policy: {problems}", param_hint="--file") from exc


@app.command("list")
def list_policies(
    organization: OrganizationOption,
    email: AdminOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """List the organization's escalation policies."""

    async def action(uow: UnitOfWork, principal: Principal) -> list[PolicyRead]:
        policies: list[PolicyRead] = []
        cursor: str | None = None
        while True:
            page = await service.list_policies(uow, principal, cursor=cursor, limit=MAX_LIMIT)
            policies += page.items
            if page.next_cursor is None:
                return policies
            cursor = page.next_cursor

    policies = _run(organization, email, action)
    if as_json:
        typer.echo("[" + ",".join(policy.model_dump_json() for policy in policies) + "]")
    else:
        typer.echo(_table(policies))


@app.command("show")
def show_policy(policy_id: PolicyArgument, organization: OrganizationOption, email: AdminOption) -> None:
    """Print one policy with its tiers and targets as JSON."""
    _print(_run(organization, email, lambda uow, principal: service.get_policy(uow, principal, policy_id)))


@app.command("create")
def create_policy(
    organization: OrganizationOption,
    email: AdminOption,
    file: Annotated[Path, typer.Option("--file", help="The policy as JSON, shaped like the API's request body")],
) -> None:
    """Create a policy from a JSON file and print it."""
    data = _read_policy_file(file)
    _print(_run(organization, email, lambda uow, principal: service.create_policy(uow, principal, data)))


@app.command("delete")
def delete_policy(policy_id: PolicyArgument, organization: OrganizationOption, email: AdminOption) -> None:
    """Delete a policy; escalations running it stop."""
    _run(
        organization,
        email,
        lambda uow, principal: service.delete_policy(uow, principal, policy_id, expected_version=None),
    )
    typer.echo(f"deleted escalation policy {policy_id}")


@app.command("set-default")
def set_default(
    policy_id: PolicyArgument,
    organization: OrganizationOption,
    email: AdminOption,
    unset: Annotated[bool, typer.Option("--unset", help="Stop it being the default instead")] = False,
) -> None:
    """Make the policy the one that starts for every new SOS (or, with --unset, stop that) and print it."""
    _print(
        _run(
            organization,
            email,
            lambda uow, principal: service.set_default(
                uow, principal, policy_id, default=not unset, expected_version=None
            ),
        )
    )
