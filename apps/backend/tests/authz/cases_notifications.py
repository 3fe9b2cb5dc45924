"""Authorization cases for the notifications routes: every user has an inbox; a notification is its user's alone."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from sos.core.container import Container
from sos.notifications.models import Notification
from tests.authz.cases import ADMIN, COORDINATOR, EVERYONE, REPORTER, RESPONDER, Case, WorldIds


def _container_of(client: AsyncClient) -> Container:
    transport = cast(ASGITransport, client._transport)
    return cast(Container, cast(FastAPI, transport.app).state.container)


async def _responders_notification(client: AsyncClient, ids: WorldIds, _admin: dict[str, str]) -> dict[str, str]:
    """The world assigns the responder to its alert, which notifies them."""
    container = _container_of(client)
    await container.relay.drain()
    await container.jobs.join()
    async with container.engine.connect() as connection:
        notification_id = await connection.scalar(
            select(Notification.id).where(
                Notification.user_id == UUID(ids.responder_id), Notification.status == "delivered"
            )
        )
    assert notification_id is not None
    return {"notification_id": str(notification_id)}


CASES: list[Case] = [
    Case("GET", "/api/v1/me/notifications", EVERYONE, collection=True),
    Case(
        "POST",
        "/api/v1/me/notifications/{notification_id}/read",
        frozenset({RESPONDER}),
        prepare=_responders_notification,
        hidden_from=frozenset({ADMIN, COORDINATOR, REPORTER}),
        role_gate=False,
    ),
]
