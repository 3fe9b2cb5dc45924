"""Calls the location tests share: uploads, trails and what the database holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from httpx import AsyncClient, Response
from sqlalchemy import select

from sos.alerts.models import AlertLocation
from sos.core.container import Container
from sos.core.db import utcnow
from sos.responders.models import ResponderLocation, ResponderProfile
from tests.factories import Member

RESPONDERS = "/api/v1/responders"


def fix(lat: float, *, at: datetime | None = None, lon: float = 13.4, accuracy_m: float = 5.0) -> dict[str, Any]:
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy_m, "recorded_at": (at or utcnow()).isoformat()}


def ago(**delta: float) -> datetime:
    return utcnow() - timedelta(**delta)


async def post_my_fix(client: AsyncClient, member: Member, **body: Any) -> Response:
    return await client.post(
        f"{RESPONDERS}/me/locations", json={"lat": 52.5, "lon": 13.4} | body, headers=member.headers
    )


async def post_my_batch(client: AsyncClient, member: Member, fixes: list[dict[str, Any]]) -> Response:
    return await client.post(f"{RESPONDERS}/me/locations/batch", json={"fixes": fixes}, headers=member.headers)


async def post_alert_batch(client: AsyncClient, member: Member, alert_id: str, fixes: list[dict[str, Any]]) -> Response:
    return await client.post(
        f"/api/v1/alerts/{alert_id}/locations/batch", json={"fixes": fixes}, headers=member.headers
    )


async def trail_of(client: AsyncClient, reader: Member, user_id: UUID, **params: Any) -> Response:
    return await client.get(f"{RESPONDERS}/{user_id}/locations", params=params, headers=reader.headers)


async def stored_responder_lats(container: Container, user_id: UUID) -> list[float]:
    """The responder's stored fixes' latitudes, in the order they were stored."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(ResponderLocation.lat)
            .join(ResponderProfile, ResponderProfile.id == ResponderLocation.profile_id)
            .where(ResponderProfile.user_id == user_id)
            .order_by(ResponderLocation.id)
        )
        return list(rows.scalars())


async def stored_alert_lats(container: Container, alert_id: str) -> list[float]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(AlertLocation.lat).where(AlertLocation.alert_id == UUID(alert_id)).order_by(AlertLocation.id)
        )
        return list(rows.scalars())
