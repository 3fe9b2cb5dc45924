"""``sos checkins``: see and cancel check-in timers as a named organization admin."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from sqlalchemy import func, select

from sos.auth.principal import Principal
from sos.checkins import service
from sos.checkins.domain import CheckinStatus
from sos.checkins.schemas import CheckinRead
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.errors import ProblemError
from sos.core.pagination import MAX_LIMIT
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

app = typer.Typer(no_args_is_help=True, help="Safety check-in timers: list the active ones, cancel one.")

ResultT = TypeVar("ResultT")
OrganizationOption = Annotated[str, typer.Option("--organization", help="The organization's slug")]
AdminOption = Annotated[str, typer.Option("--as", help="Email of an active admin of that organization")]


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
        raise typer.Exit(1) from exc


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

    timers = _run(organization, email, action)
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

    typer.echo(_run(organization, email, action).model_dump_json())
