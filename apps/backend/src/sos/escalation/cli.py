"""``sos policies``: escalation policies from the command line, acting as a named organization admin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from pydantic import ValidationError

from sos.auth.admin_cli import AdminOption, OrganizationOption, run_as_admin
from sos.auth.principal import Principal
from sos.core.pagination import MAX_LIMIT
from sos.core.uow import UnitOfWork
from sos.escalation import service
from sos.escalation.schemas import PolicyIn, PolicyRead

app = typer.Typer(no_args_is_help=True, help="Escalation policies: list, show, create, delete, set the default.")

PolicyArgument = Annotated[UUID, typer.Argument(help="The policy's id")]


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

    policies = run_as_admin(organization, email, action)
    if as_json:
        typer.echo("[" + ",".join(policy.model_dump_json() for policy in policies) + "]")
    else:
        typer.echo(_table(policies))


@app.command("show")
def show_policy(policy_id: PolicyArgument, organization: OrganizationOption, email: AdminOption) -> None:
    """Print one policy with its tiers and targets as JSON."""
    _print(run_as_admin(organization, email, lambda uow, principal: service.get_policy(uow, principal, policy_id)))


@app.command("create")
def create_policy(
    organization: OrganizationOption,
    email: AdminOption,
    file: Annotated[Path, typer.Option("--file", help="The policy as JSON, shaped like the API's request body")],
) -> None:
    """Create a policy from a JSON file and print it."""
    data = _read_policy_file(file)
    _print(run_as_admin(organization, email, lambda uow, principal: service.create_policy(uow, principal, data)))


@app.command("delete")
def delete_policy(policy_id: PolicyArgument, organization: OrganizationOption, email: AdminOption) -> None:
    """Delete a policy; escalations running it stop."""
    run_as_admin(
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
        run_as_admin(
            organization,
            email,
            lambda uow, principal: service.set_default(
                uow, principal, policy_id, default=not unset, expected_version=None
            ),
        )
    )
