"""Creating organizations and admin accounts from the command line."""

from __future__ import annotations

import re

from sqlalchemy import func, insert, select

from sos.core.config import Settings
from sos.core.db import create_engine, utcnow
from sos.core.ids import new_id
from sos.core.security import hash_password
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64] or "organization"


async def create_admin_account(settings: Settings, email: str, organization: str, full_name: str, password: str) -> str:
    """Creates the organization when missing and makes ``email`` its admin; returns the organization slug."""
    engine = create_engine(settings)
    slug = slugify(organization)
    now = utcnow()
    try:
        async with engine.begin() as connection:
            org_id = (await connection.execute(select(Organization.id).where(Organization.slug == slug))).scalar()
            if org_id is None:
                org_id = new_id()
                await connection.execute(
                    insert(Organization).values(
                        id=org_id, name=organization, slug=slug, timezone="UTC", created_at=now, updated_at=now
                    )
                )
            user_id = (
                await connection.execute(select(User.id).where(func.lower(User.email) == email.lower()))
            ).scalar()
            if user_id is None:
                user_id = new_id()
                await connection.execute(
                    insert(User).values(
                        id=user_id,
                        email=email.lower(),
                        full_name=full_name,
                        password_hash=hash_password(password),
                        created_at=now,
                        updated_at=now,
                    )
                )
            await connection.execute(
                insert(Membership).values(
                    id=new_id(),
                    organization_id=org_id,
                    user_id=user_id,
                    role=Role.ADMIN,
                    status=MembershipStatus.ACTIVE,
                    created_at=now,
                    updated_at=now,
                )
            )
    finally:
        await engine.dispose()
    return slug
