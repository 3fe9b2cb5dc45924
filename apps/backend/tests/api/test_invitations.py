from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select, update

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.users.models import Membership
from tests.factories import Tenant

ACCEPT = "/api/v1/invitations/accept"
PASSWORD = "my own secret phrase"


async def invite(client: AsyncClient, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    body = {"email": f"invitee-{secrets.token_hex(4)}@example.com", "full_name": "Invited Person", "role": "responder"}
    response = await client.post("/api/v1/users", json=body | overrides, headers=tenant.admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def login(client: AsyncClient, email: str, password: str, organization: str | None = None) -> Response:
    form = {"grant_type": "password", "username": email, "password": password}
    if organization is not None:
        form["organization"] = organization
    return await client.post("/api/v1/auth/token", data=form)


async def test_accepting_activates_the_membership_and_sets_the_password(client: AsyncClient, tenant: Tenant) -> None:
    invited = await invite(client, tenant)
    response = await client.post(ACCEPT, json={"token": invited["invitation_token"], "password": PASSWORD})
    assert response.status_code == 200
    assert response.json() == {
        "user_id": invited["id"],
        "email": invited["email"],
        "organization_id": str(tenant.organization_id),
        "organization_slug": tenant.slug,
        "role": "responder",
    }
    token = await login(client, invited["email"], PASSWORD)
    assert token.status_code == 200
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["status"] == "active"
    assert me.json()["invitation_expires_at"] is None


async def test_a_password_with_surrounding_spaces_logs_in_exactly_as_typed(client: AsyncClient, tenant: Tenant) -> None:
    invited = await invite(client, tenant)
    spaced = "  spaced passphrase  "
    await client.post(ACCEPT, json={"token": invited["invitation_token"], "password": spaced})
    assert (await login(client, invited["email"], spaced)).status_code == 200
    assert (await login(client, invited["email"], spaced.strip())).status_code == 400


async def test_accepting_can_set_the_name(client: AsyncClient, tenant: Tenant) -> None:
    invited = await invite(client, tenant)
    await client.post(
        ACCEPT, json={"token": invited["invitation_token"], "password": PASSWORD, "full_name": "Chosen Name"}
    )
    member = await client.get(f"/api/v1/users/{invited['id']}", headers=tenant.admin.headers)
    assert member.json()["full_name"] == "Chosen Name"


async def test_a_token_works_only_once(client: AsyncClient, tenant: Tenant) -> None:
    invited = await invite(client, tenant)
    body = {"token": invited["invitation_token"], "password": PASSWORD}
    await client.post(ACCEPT, json=body)
    response = await client.post(ACCEPT, json=body | {"password": "another long password"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert (await login(client, invited["email"], PASSWORD)).status_code == 200


async def test_an_unknown_token_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(ACCEPT, json={"token": secrets.token_urlsafe(32), "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


async def test_an_expired_token_is_refused(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    invited = await invite(client, tenant)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Membership)
            .where(Membership.user_id == UUID(invited["id"]))
            .values(invitation_expires_at=utcnow() - timedelta(seconds=1))
        )
    response = await client.post(ACCEPT, json={"token": invited["invitation_token"], "password": PASSWORD})
    assert response.status_code == 400
    assert (await login(client, invited["email"], PASSWORD)).status_code == 400


async def test_a_deactivated_invitation_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    invited = await invite(client, tenant)
    await client.post(f"/api/v1/users/{invited['id']}/deactivate", headers=tenant.admin.headers)
    response = await client.post(ACCEPT, json={"token": invited["invitation_token"], "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"token": "t", "password": "short"}, "#/password"),
        ({"token": "", "password": PASSWORD}, "#/token"),
        ({"password": PASSWORD}, "#/token"),
        ({"token": "t", "password": PASSWORD, "role": "admin"}, "#/role"),
    ],
)
async def test_bad_acceptances_name_the_field(
    client: AsyncClient, tenant: Tenant, body: dict[str, Any], pointer: str
) -> None:
    response = await client.post(ACCEPT, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_an_existing_account_joins_only_with_its_own_password(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    original = await invite(client, other_tenant, password="the original password")
    invited = await invite(client, tenant, email=original["email"], full_name="Someone Else")
    refused = await client.post(ACCEPT, json={"token": invited["invitation_token"], "password": PASSWORD})
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_grant"
    accepted = await client.post(
        ACCEPT, json={"token": invited["invitation_token"], "password": "the original password", "full_name": "X"}
    )
    assert accepted.status_code == 200
    assert (await login(client, original["email"], "the original password", tenant.slug)).status_code == 200
    member = await client.get(f"/api/v1/users/{original['id']}", headers=other_tenant.admin.headers)
    assert member.json()["full_name"] == "Invited Person"


async def test_a_later_invitation_cannot_set_the_password_of_an_account_invited_elsewhere(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await invite(client, other_tenant)
    second = await invite(client, tenant, email=first["email"])
    takeover = await client.post(ACCEPT, json={"token": second["invitation_token"], "password": "attacker chosen pw"})
    assert takeover.status_code == 409
    assert takeover.json()["code"] == "earlier_invitation_pending"
    assert (await login(client, first["email"], "attacker chosen pw", tenant.slug)).status_code == 400


async def test_after_the_first_invitation_the_later_one_is_accepted_with_the_same_password(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await invite(client, other_tenant)
    second = await invite(client, tenant, email=first["email"])
    await client.post(ACCEPT, json={"token": first["invitation_token"], "password": PASSWORD})
    response = await client.post(ACCEPT, json={"token": second["invitation_token"], "password": PASSWORD})
    assert response.status_code == 200
    assert (await login(client, first["email"], PASSWORD, tenant.slug)).status_code == 200


async def test_accepting_records_an_event_by_the_invitee(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    invited = await invite(client, tenant)
    await client.post(ACCEPT, json={"token": invited["invitation_token"], "password": PASSWORD})
    async with container.engine.connect() as connection:
        row = (
            await connection.execute(
                select(OutboxEvent.actor_id, OutboxEvent.organization_id).where(
                    OutboxEvent.event_type == "user.invitation_accepted"
                )
            )
        ).one()
    assert row.actor_id == UUID(invited["id"])
    assert row.organization_id == tenant.organization_id
