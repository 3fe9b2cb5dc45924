"""Builders for tenants, members and alerts, written straight to the database outside the API under test."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import insert, select

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.core.security import hash_password
from sos.organizations.models import Organization
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.teams.domain import TeamRole
from sos.teams.models import Team, TeamMember
from sos.timeline.models import TimelineEntry
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)


@dataclass(frozen=True)
class Member:
    user_id: UUID
    email: str
    role: Role
    organization_id: UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Tenant:
    organization_id: UUID
    slug: str
    members: dict[Role, Member] = field(default_factory=dict)

    @property
    def admin(self) -> Member:
        return self.members[Role.ADMIN]

    @property
    def coordinator(self) -> Member:
        return self.members[Role.COORDINATOR]

    @property
    def responder(self) -> Member:
        return self.members[Role.RESPONDER]

    @property
    def reporter(self) -> Member:
        return self.members[Role.REPORTER]


async def add_member(container: Container, tenant: Tenant, role: Role, *, label: str | None = None) -> Member:
    user_id = new_id()
    email = f"{label or role.value}-{secrets.token_hex(4)}@{tenant.slug}.test"
    now = utcnow()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(User).values(
                id=user_id,
                email=email,
                full_name=f"{role.value.title()} of {tenant.slug}",
                password_hash=_PASSWORD_HASH,
                created_at=now,
                updated_at=now,
            )
        )
        await connection.execute(
            insert(Membership).values(
                id=new_id(),
                organization_id=tenant.organization_id,
                user_id=user_id,
                role=role,
                status=MembershipStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
        )
        if role is Role.RESPONDER:
            await connection.execute(
                insert(ResponderProfile).values(
                    id=new_id(),
                    organization_id=tenant.organization_id,
                    user_id=user_id,
                    skills=["first_aid"],
                    availability=Availability.AVAILABLE,
                    created_at=now,
                    updated_at=now,
                )
            )
    token = container.signer.issue(
        user_id=user_id, organization_id=tenant.organization_id, role=role.value, membership_version=1
    )
    member = Member(user_id, email, role, tenant.organization_id, token)
    tenant.members.setdefault(role, member)
    return member


async def make_tenant(container: Container, name: str = "org") -> Tenant:
    organization_id = new_id()
    slug = f"{name}-{secrets.token_hex(4)}"
    now = utcnow()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(Organization).values(
                id=organization_id,
                name=name.title(),
                slug=slug,
                timezone="UTC",
                created_at=now,
                updated_at=now,
            )
        )
    tenant = Tenant(organization_id, slug)
    for role in Role:
        await add_member(container, tenant, role)
    return tenant


def sos_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location": {"lat": 52.52, "lon": 13.405, "accuracy_m": 12.0},
        "note": "help, I am hurt",
        "category": "medical",
        "severity": "high",
        "source": "app",
    }
    body.update(overrides)
    return body


async def raise_sos(client: AsyncClient, member: Member, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/alerts", json=sos_body(**overrides), headers=member.headers)
    assert response.status_code == 201, response.text
    alert: dict[str, Any] = response.json()
    return alert


async def timeline_of(container: Container, alert_id: str, *, kind_prefix: str = "") -> list[Any]:
    """The alert's timeline entries, oldest first; ``kind_prefix="alert."`` leaves out notifications and the like."""
    await container.relay.drain()
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(TimelineEntry.kind, TimelineEntry.data, TimelineEntry.actor_id)
            .where(TimelineEntry.alert_id == UUID(alert_id))
            .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
        )
        return [row for row in rows.all() if row.kind.startswith(kind_prefix)]


async def team_with(container: Container, tenant: Tenant, member: Member) -> UUID:
    team_id = new_id()
    now = utcnow()
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(Team).values(
                id=team_id,
                organization_id=tenant.organization_id,
                name=f"team-{team_id.hex[:8]}",
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
        await connection.execute(
            insert(TeamMember).values(
                team_id=team_id,
                user_id=member.user_id,
                organization_id=tenant.organization_id,
                role=TeamRole.MEMBER,
                added_at=now,
            )
        )
    return team_id
