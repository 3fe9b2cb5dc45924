"""``sos checkins``: see and cancel check-in timers as a named organization admin."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from sos.auth.admin_cli import AdminOption, OrganizationOption, run_as_admin
from sos.auth.principal import Principal
from sos.checkins import service
from sos.checkins.domain import CheckinStatus
from sos.checkins.schemas import CheckinRead
from sos.core.pagination import MAX_LIMIT
from sos.core.uow import UnitOfWork

app = typer.Typer(no_args_is_help=True, help="Safety check-in timers: list the active ones, cancel one.")


def _table(timers: list[CheckinRead]) -> str:
    lines = [f"{'ID':36}  {'USER':36}  {'STATUS':9}  {'DUE (UTC)':20}  NOTE"]
    lines += [
        f"{t.id!s:36}  {t.user_id!s:36}  {t.status.value:9}  {t.due_at:%Y-%m-%d %H:%M:%S}  {t.note or ''}"
        for t in timers
    ]
    return "\n".join(lines)


@app.command("list")
def list_timers(
    organization: OrganizationOption,
    email: AdminOption,
    all_statuses: Annotated[bool, typer.Option("--all", help="Also cancelled and expired timers")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """List the organization's check-in timers, newest first: the active ones unless --all."""
    statuses = [] if all_statuses else [CheckinStatus.ACTIVE]

    async def action(uow: UnitOfWork, principal: Principal) -> list[CheckinRead]:
        timers: list[CheckinRead] = []
        cursor: str | None = None
        while True:
            page = await service.list_checkins(
                uow, principal, statuses=statuses, user_id=None, cursor=cursor, limit=MAX_LIMIT
            )
            timers += page.items
            if page.next_cursor is None:
                return timers
            cursor = page.next_cursor

    timers = run_as_admin(organization, email, action)
    if as_json:
        typer.echo("[" + ",".join(timer.model_dump_json() for timer in timers) + "]")
    else:
        typer.echo(_table(timers))


@app.command("cancel")
def cancel_timer(
    checkin_id: Annotated[UUID, typer.Argument(help="The timer's id")],
    organization: OrganizationOption,
    email: AdminOption,
) -> None:
    """Cancel an active timer (the person has been reached) and print it as JSON."""

    async def action(uow: UnitOfWork, principal: Principal) -> CheckinRead:
        return await service.cancel_checkin(uow, principal, checkin_id, expected_version=None)

    typer.echo(run_as_admin(organization, email, action).model_dump_json())
