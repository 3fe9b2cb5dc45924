"""The organization (the tenant) as its members see it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update

from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import NotFound, PreconditionFailed
from sos.core.uow import UnitOfWork
from sos.organizations.events import organization_event
from sos.organizations.models import Organization
from sos.organizations.schemas import OrganizationRead, OrganizationUpdate


async def lock_organization(uow: UnitOfWork, organization_id: UUID) -> Any:
    """Locks the organization row until commit, serializing changes that span several rows of one tenant.

    Membership roles and statuses (the last-admin rule) and the team hierarchy (cycles) take this lock, so two
    concurrent requests cannot each pass a check that only fails once both commit. SQLite serializes writers anyway.
    On PostgreSQL it is FOR NO KEY UPDATE, so rows that merely reference the organization can still be inserted.
    """
    row = (
        await uow.connection.execute(
            select(Organization).where(Organization.id == organization_id).with_for_update(key_share=True)
        )
    ).first()
    if row is None:
        raise NotFound("Your organization no longer exists.", resource="organization")
    return row


async def get_organization(uow: UnitOfWork, principal: Principal) -> OrganizationRead:
    async with uow.read():
        row = (
            await uow.connection.execute(select(Organization).where(Organization.id == principal.organization_id))
        ).first()
    if row is None:
        raise NotFound("Your organization no longer exists.", resource="organization")
    return OrganizationRead.model_validate(row._mapping)


async def update_organization(
    uow: UnitOfWork, principal: Principal, data: OrganizationUpdate, *, expected_version: int | None
) -> OrganizationRead:
    async with uow:
        row = await lock_organization(uow, principal.organization_id)
        if expected_version is not None and row.version != expected_version:
            raise PreconditionFailed(
                f"The organization is at version {row.version}, not {expected_version}; reload it and retry.",
                current_version=row.version,
            )
        changes: dict[str, Any] = {
            name: value for name, value in data.model_dump(exclude_unset=True).items() if value != getattr(row, name)
        }
        if not changes:
            return OrganizationRead.model_validate(row._mapping)
        changes |= {"version": row.version + 1, "updated_at": utcnow()}
        await uow.connection.execute(
            update(Organization).where(Organization.id == principal.organization_id).values(changes)
        )
        uow.record(
            organization_event(
                "updated",
                organization_id=principal.organization_id,
                actor_id=principal.user_id,
                changes={name: value for name, value in changes.items() if name in data.model_fields_set},
                version=row.version + 1,
            )
        )
        await uow.commit()
    return OrganizationRead.model_validate(dict(row._mapping) | changes)
