"""``sos schedules``: on-call schedules from the command line, acting as a named organization admin."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from pydantic import BaseModel, ValidationError

from sos.auth.admin_cli import AdminOption, OrganizationOption, run_as_admin
from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.pagination import MAX_LIMIT
from sos.core.uow import UnitOfWork
from sos.schedules import service
from sos.schedules.schemas import OverrideIn, ScheduleIn, ScheduleRead

app = typer.Typer(no_args_is_help=True, help="On-call schedules: list, show, who-is-on-call, create, add-override.")

InputT = TypeVar("InputT", bound=BaseModel)
ScheduleArgument = Annotated[UUID, typer.Argument(help="The schedule's id")]


def _parse(model: type[InputT], raw: object, source: str) -> InputT:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'/'.join(map(str, e['loc'])) or '(body)'}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(f"{source} is not valid: {problems}") from exc


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}", param_hint="--file") from exc


def _instant(value: str | None, option: str) -> datetime:
    if value is None:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=option) from exc
    if parsed.tzinfo is None:
        raise typer.BadParameter("give the time with an offset, such as 2026-03-29T07:00:00Z", param_hint=option)
    return parsed.astimezone(UTC)


def _table(schedules: list[ScheduleRead]) -> str:
    lines = [f"{'ID':36}  {'LAYERS':6}  {'TIME ZONE':24}  NAME"]
    lines += [f"{s.id!s:36}  {len(s.layers):6}  {s.time_zone:24}  {s.name}" for s in schedules]
    return "\n".join(lines)


@app.command("list")
def list_schedules(
    organization: OrganizationOption,
    email: AdminOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """List the organization's on-call schedules."""

    async def action(uow: UnitOfWork, principal: Principal) -> list[ScheduleRead]:
        schedules: list[ScheduleRead] = []
        cursor: str | None = None
        while True:
            page = await service.list_schedules(uow, principal, cursor=cursor, limit=MAX_LIMIT)
            schedules += page.items
            if page.next_cursor is None:
                return schedules
            cursor = page.next_cursor

    schedules = run_as_admin(organization, email, action)
    if as_json:
        typer.echo("[" + ",".join(schedule.model_dump_json() for schedule in schedules) + "]")
    else:
        typer.echo(_table(schedules))


@app.command("show")
def show_schedule(schedule_id: ScheduleArgument, organization: OrganizationOption, email: AdminOption) -> None:
    """Print one schedule with its layers as JSON."""
    schedule = run_as_admin(
        organization, email, lambda uow, principal: service.get_schedule(uow, principal, schedule_id)
    )
    typer.echo(schedule.model_dump_json(indent=2))


@app.command("who-is-on-call")
def who_is_on_call(
    schedule_id: ScheduleArgument,
    organization: OrganizationOption,
    email: AdminOption,
    at: Annotated[str | None, typer.Option("--at", help="An ISO 8601 time with offset; defaults to now")] = None,
) -> None:
    """Print who is on call at a time, with the running shift, as JSON."""
    instant = _instant(at, "--at")
    on_call = run_as_admin(
        organization, email, lambda uow, principal: service.who_is_on_call(uow, principal, schedule_id, instant)
    )
    typer.echo(on_call.model_dump_json(indent=2))


@app.command("create")
def create_schedule(
    organization: OrganizationOption,
    email: AdminOption,
    file: Annotated[Path, typer.Option("--file", help="The schedule as JSON, shaped like the API's request body")],
) -> None:
    """Create a schedule with its layers from a JSON file and print it."""
    data = _parse(ScheduleIn, _read_json(file), str(file))
    schedule = run_as_admin(organization, email, lambda uow, principal: service.create_schedule(uow, principal, data))
    typer.echo(schedule.model_dump_json(indent=2))


@app.command("add-override")
def add_override(
    schedule_id: ScheduleArgument,
    organization: OrganizationOption,
    email: AdminOption,
    user: Annotated[UUID, typer.Option("--user", help="The member who is on call instead")],
    starts_at: Annotated[str, typer.Option("--from", help="Start, ISO 8601 with offset")],
    ends_at: Annotated[str, typer.Option("--until", help="End, ISO 8601 with offset")],
) -> None:
    """Put a member on call for a window, whoever the layers say, and print the override."""
    window = {"starts_at": _instant(starts_at, "--from"), "ends_at": _instant(ends_at, "--until")}
    data = _parse(OverrideIn, {"user_id": user, **window}, "the override")
    created = run_as_admin(
        organization, email, lambda uow, principal: service.create_override(uow, principal, schedule_id, data)
    )
    typer.echo(created.model_dump_json(indent=2))
