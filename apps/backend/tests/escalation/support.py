"""Builders and probes for the escalation tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.core.events import OutboxEvent
from sos.escalation.models import AlertEscalation
from tests.factories import Member, Tenant

URL = "/api/v1/escalation-policies"


def user(member: Member | UUID | str) -> dict[str, Any]:
    user_id = member.user_id if isinstance(member, Member) else member
    return {"kind": "user", "user_id": str(user_id)}


def team(team_id: UUID | str) -> dict[str, Any]:
    return {"kind": "team", "team_id": str(team_id)}


def schedule(schedule_id: UUID | str) -> dict[str, Any]:
    return {"kind": "schedule", "schedule_id": str(schedule_id)}


def tier(*targets: dict[str, Any], delay: int = 5) -> dict[str, Any]:
    return {"delay_minutes": delay, "targets": list(targets)}


def policy_body(*tiers: dict[str, Any], name: str = "Night shift", **fields: Any) -> dict[str, Any]:
    return {"name": name, "tiers": list(tiers)} | fields


async def create_policy(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 201, response.text
    policy: dict[str, Any] = response.json()
    return policy


async def escalation_of(container: Container, alert_id: str) -> Any:
    async with container.engine.connect() as connection:
        return (
            await connection.execute(select(AlertEscalation).where(AlertEscalation.alert_id == UUID(alert_id)))
        ).first()


async def events(container: Container, *types: str) -> list[Any]:
    """Outbox events of these types, oldest first."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload, OutboxEvent.schema_version)
            .where(OutboxEvent.event_type.in_(types))
            .order_by(OutboxEvent.id)
        )
        return list(rows.all())
