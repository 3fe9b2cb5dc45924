"""Builders and probes for the dispatch tests: responders placed on the map, teams with dispatch settings, SOS at a
chosen spot, and the offers and engagements in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import insert, select, update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.core.ids import new_id
from sos.dispatch.models import DispatchChain, DispatchOffer, ResponderEngagement
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.teams.domain import TeamRole
from sos.teams.models import Team, TeamMember
from sos.users.domain import Role
from tests.factories import Member, Tenant, add_member, raise_sos

ALERT_SPOT = (52.5200, 13.4050)
"""Berlin, Alexanderplatz: where the test SOS are raised unless a test says otherwise."""


def alert_url(alert_id: str, suffix: str = "") -> str:
    return f"/api/v1/alerts/{alert_id}/dispatch{suffix}"


async def place(
    container: Container,
    member: Member,
    lat: float | None,
    lon: float | None,
    *,
    skills: list[str] | None = None,
    availability: Availability = Availability.AVAILABLE,
    located_at: datetime | None = None,
) -> None:
    """Puts the responder's last known location (taken now, unless ``located_at`` says when) and skills and
    availability straight into their profile."""
    values: dict[str, Any] = {
        "last_lat": lat,
        "last_lon": lon,
        "last_accuracy_m": 10.0 if lat is not None else None,
        "last_located_at": (located_at or utcnow()) if lat is not None else None,
        "availability": availability,
    }
    if skills is not None:
        values["skills"] = skills
    async with container.engine.begin() as connection:
        await connection.execute(
            update(ResponderProfile)
            .where(
                ResponderProfile.user_id == member.user_id, ResponderProfile.organization_id == member.organization_id
            )
            .values(values)
        )


async def responder_at(
    container: Container,
    tenant: Tenant,
    lat: float,
    lon: float,
    *,
    label: str,
    skills: list[str] | None = None,
    availability: Availability = Availability.AVAILABLE,
) -> Member:
    member = await add_member(container, tenant, Role.RESPONDER, label=label)
    await place(container, member, lat, lon, skills=skills, availability=availability)
    return member


def north_of(spot: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point ``metres`` due north of ``spot`` (a degree of latitude is 111,195 m)."""
    return spot[0] + metres / 111_195.0, spot[1]


async def team_of(container: Container, tenant: Tenant, *members: Member) -> UUID:
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
        for member in members:
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


async def set_dispatch(client: AsyncClient, tenant: Tenant, team_id: UUID, **settings: Any) -> dict[str, Any]:
    response = await client.put(
        f"/api/v1/teams/{team_id}/dispatch-settings", json=settings, headers=tenant.coordinator.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sos_at(client: AsyncClient, tenant: Tenant, lat: float, lon: float, **overrides: Any) -> str:
    alert = await raise_sos(client, tenant.reporter, location={"lat": lat, "lon": lon, "accuracy_m": 5.0}, **overrides)
    alert_id: str = alert["id"]
    return alert_id


async def assign_team(client: AsyncClient, tenant: Tenant, alert_id: str, team_id: UUID) -> None:
    response = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments", json={"team_ids": [str(team_id)]}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 200, response.text


async def offer_to(client: AsyncClient, tenant: Tenant, alert_id: str, member: Member, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        alert_url(alert_id, "/offers"),
        json={"responder_id": str(member.user_id)} | fields,
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def start_auto(client: AsyncClient, tenant: Tenant, alert_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(alert_url(alert_id, "/auto"), json=body, headers=tenant.coordinator.headers)
    assert response.status_code == 201, response.text
    chain: dict[str, Any] = response.json()
    return chain


async def offers_of(container: Container, alert_id: str) -> list[Any]:
    """The alert's offers, oldest first."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(DispatchOffer)
            .where(DispatchOffer.alert_id == UUID(alert_id))
            .order_by(DispatchOffer.offered_at, DispatchOffer.id)
        )
        return list(rows.all())


async def chains_of(container: Container, alert_id: str) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(DispatchChain).where(DispatchChain.alert_id == UUID(alert_id)).order_by(DispatchChain.started_at)
        )
        return list(rows.all())


async def engagements(container: Container) -> dict[UUID, UUID]:
    """Who is held for which alert."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(ResponderEngagement.responder_id, ResponderEngagement.alert_id))
        return {row.responder_id: row.alert_id for row in rows}


async def events(container: Container, *types: str) -> list[Any]:
    """Outbox events of these types, oldest first."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload, OutboxEvent.actor_id)
            .where(OutboxEvent.event_type.in_(types))
            .order_by(OutboxEvent.id)
        )
        return list(rows.all())


def offered(rows: list[Any]) -> list[UUID]:
    return [row.responder_id for row in rows]
