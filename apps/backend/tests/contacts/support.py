"""Builders for contact tests: methods added through the API, and the codes read from the notifications they sent."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from httpx import AsyncClient
from sqlalchemy import select, update

from sos.contacts.models import ContactMethod
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.notifications.models import Notification
from tests.factories import Member

METHODS = "/api/v1/me/contact-methods"
RULES = "/api/v1/me/notification-rules"
QUIET_HOURS = "/api/v1/me/quiet-hours"
SLACK_URL = "https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstWXYZ"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def push_subscription(
    endpoint: str = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk1234",
) -> dict[str, Any]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
    }


def email_body(address: str | None = None, label: str = "Work email") -> dict[str, Any]:
    return {"channel": "email", "label": label, "address": address or f"me-{secrets.token_hex(3)}@example.com"}


async def add(client: AsyncClient, member: Member, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(METHODS, json=body, headers=member.headers)
    assert response.status_code == 201, response.text
    method: dict[str, Any] = response.json()
    return method


async def sent_codes(container: Container, method_id: str) -> list[str]:
    """The verification codes sent to a method, oldest first, as the user reads them in the message."""
    async with container.engine.connect() as connection:
        bodies = (
            await connection.execute(
                select(Notification.body)
                .where(Notification.contact_method_id == UUID(method_id), Notification.purpose == "verification")
                .order_by(Notification.created_at, Notification.id)
            )
        ).scalars()
        return [match.group(1) for body in bodies if (match := re.search(r"code is (\d{6})\.", body))]


async def last_code(container: Container, method_id: str) -> str:
    codes = await sent_codes(container, method_id)
    assert codes, "no verification code was sent"
    return codes[-1]


async def verified(client: AsyncClient, container: Container, member: Member, body: dict[str, Any]) -> dict[str, Any]:
    """A method added and verified with the code it was sent."""
    method = await add(client, member, body)
    code = await last_code(container, method["id"])
    response = await client.post(f"{METHODS}/{method['id']}/verify", json={"code": code}, headers=member.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def change(container: Container, method_id: str, **values: Any) -> None:
    """Moves a method to a state the API reaches only over time or through a provider (expiry, opt-out)."""
    async with container.engine.begin() as connection:
        await connection.execute(update(ContactMethod).where(ContactMethod.id == UUID(method_id)).values(**values))


async def code_sent_ago(container: Container, method_id: str, seconds: int) -> None:
    """Pretends the current code went out ``seconds`` ago."""
    async with container.engine.connect() as connection:
        expires_at = await connection.scalar(
            select(ContactMethod.verification_expires_at).where(ContactMethod.id == UUID(method_id))
        )
    assert expires_at is not None
    await change(container, method_id, verification_expires_at=expires_at - timedelta(seconds=seconds))


async def stored(container: Container, method_id: str) -> Any:
    async with container.engine.connect() as connection:
        return (await connection.execute(select(ContactMethod).where(ContactMethod.id == UUID(method_id)))).one()


async def events(container: Container, event_type: str) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id)
        )
        return list(rows)


async def all_event_payloads(container: Container) -> str:
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(OutboxEvent.payload))
        return " ".join(str(payload) for payload in rows.scalars())


def now_minus(seconds: int) -> Any:
    return utcnow() - timedelta(seconds=seconds)
