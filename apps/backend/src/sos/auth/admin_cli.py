"""What the domain commands (``sos policies``, ``sos schedules``, ``sos checkins``) share: acting as a named admin."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy import func, select

from sos.auth.principal import Principal
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.errors import ProblemError
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

ResultT = TypeVar("ResultT")
OrganizationOption = Annotated[str, typer.Option("--organization", help="The organization's slug")]
AdminOption = Annotated[str, typer.Option("--as", help="Email of an active admin of that organization")]


class NotAnAdmin(Exception):
    pass


async def admin_principal(uow: UnitOfWork, organization: str, email: str) -> Principal:
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


def run_as_admin(
    organization: str, email: str, action: Callable[[UnitOfWork, Principal], Awaitable[ResultT]]
) -> ResultT:
    """Runs ``action`` as that admin, printing a refusal (and each field's problem) and exiting 1 on error."""

    async def run() -> ResultT:
        engine = create_engine(Settings())
        try:
            uow_factory = UnitOfWorkFactory(engine)
            principal = await admin_principal(uow_factory(), organization, email)
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
