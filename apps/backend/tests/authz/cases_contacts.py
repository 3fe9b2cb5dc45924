"""Authorization cases for the contacts routes: every role manages its own contact methods, rules and quiet hours,
and another user's contact method is as invisible as one that does not exist."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, cast
from uuid import UUID

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import insert

from sos.contacts.domain import VERIFICATION_CODE_TTL_SECONDS, address_key, code_digest
from sos.contacts.models import ContactMethod
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.notifications.domain import NotificationChannel
from tests.authz.cases import ADMIN, COORDINATOR, EVERYONE, REPORTER, RESPONDER, Case, WorldIds

METHODS = "/api/v1/me/contact-methods"
ONE_METHOD = METHODS + "/{contact_method_id}"
CODE = "123456"
OWNER_ONLY: dict[str, Any] = {
    "allowed": frozenset({RESPONDER}),
    "hidden_from": frozenset({ADMIN, COORDINATOR, REPORTER}),
    "role_gate": False,
}


def _container_of(client: AsyncClient) -> Container:
    transport = cast(ASGITransport, client._transport)
    return cast(Container, cast(FastAPI, transport.app).state.container)


async def _responders_email(client: AsyncClient, ids: WorldIds, *, verified: bool, code: str | None) -> dict[str, str]:
    """An email contact method of the world's responder, written straight to the database."""
    method_id, now = new_id(), utcnow()
    address = f"responder-{secrets.token_hex(3)}@example.com"
    async with _container_of(client).engine.begin() as connection:
        await connection.execute(
            insert(ContactMethod).values(
                id=method_id,
                organization_id=UUID(ids.organization_id),
                user_id=UUID(ids.responder_id),
                channel=NotificationChannel.EMAIL,
                label="Work email",
                address=address,
                address_key=address_key(address),
                created_at=now,
                verified_at=now if verified else None,
                verification_code_hash=code_digest(method_id, code) if code else None,
                verification_expires_at=now + timedelta(seconds=VERIFICATION_CODE_TTL_SECONDS) if code else None,
                verification_tries=0,
            )
        )
    return {"contact_method_id": str(method_id)}


async def _verified_method(client: AsyncClient, ids: WorldIds, _admin: dict[str, str]) -> dict[str, str]:
    return await _responders_email(client, ids, verified=True, code=None)


async def _method_awaiting_code(client: AsyncClient, ids: WorldIds, _admin: dict[str, str]) -> dict[str, str]:
    return await _responders_email(client, ids, verified=False, code=CODE)


async def _method_never_sent_a_code(client: AsyncClient, ids: WorldIds, _admin: dict[str, str]) -> dict[str, str]:
    return await _responders_email(client, ids, verified=False, code=None)


async def _critical(_client: AsyncClient, _ids: WorldIds, _admin: dict[str, str]) -> dict[str, str]:
    return {"urgency": "critical"}


def _new_email(_: WorldIds) -> dict[str, Any]:
    return {"channel": "email", "label": "Matrix", "address": f"matrix-{secrets.token_hex(4)}@example.com"}


CASES: list[Case] = [
    Case("GET", METHODS, EVERYONE, collection=True),
    Case("POST", METHODS, EVERYONE, ok=201, body=_new_email, collection=True),
    Case("PATCH", ONE_METHOD, body=lambda _: {"label": "Renamed"}, prepare=_verified_method, **OWNER_ONLY),
    Case("DELETE", ONE_METHOD, ok=204, prepare=_verified_method, **OWNER_ONLY),
    Case("POST", ONE_METHOD + "/verify", body=lambda _: {"code": CODE}, prepare=_method_awaiting_code, **OWNER_ONLY),
    Case("POST", ONE_METHOD + "/resend-code", ok=202, prepare=_method_never_sent_a_code, **OWNER_ONLY),
    Case("POST", ONE_METHOD + "/test", ok=202, prepare=_verified_method, **OWNER_ONLY),
    Case("GET", "/api/v1/me/notification-rules", EVERYONE, collection=True),
    # The steps a rule may name are the caller's own methods, which no one body can name for every role; an empty
    # rule covers the route here, and tests/contacts/test_rules.py refuses steps naming others' methods (422).
    Case(
        "PUT",
        "/api/v1/me/notification-rules/{urgency}",
        EVERYONE,
        body=lambda _: {"steps": []},
        prepare=_critical,
        collection=True,
    ),
    Case("GET", "/api/v1/me/quiet-hours", EVERYONE, collection=True),
    Case(
        "PUT",
        "/api/v1/me/quiet-hours",
        EVERYONE,
        body=lambda _: {"start": "22:00", "end": "06:00", "timezone": "Europe/Berlin"},
        collection=True,
    ),
    Case("GET", "/api/v1/me/web-push-key", EVERYONE, collection=True),
]
