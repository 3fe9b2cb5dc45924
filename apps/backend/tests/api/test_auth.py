from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from httpx import AsyncClient, Response
from sqlalchemy import insert, select, update

from sos.auth.models import RefreshToken
from sos.auth.service import revoke_sessions
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.ids import new_id
from sos.core.security import ACCESS_TOKEN_TYPE, hash_opaque_token, hash_password, load_or_create_signing_key
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User
from tests.factories import PASSWORD, Member, Tenant
from tests.tokens import claims, forgeries, sign


async def password_grant(client: AsyncClient, username: str, password: str = PASSWORD, **extra: str) -> Response:
    form = {"grant_type": "password", "username": username, "password": password, **extra}
    return await client.post("/api/v1/auth/token", data=form)


async def refresh_grant(client: AsyncClient, refresh_token: str) -> Response:
    return await client.post("/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token})


async def login(client: AsyncClient, member: Member) -> dict[str, Any]:
    response = await password_grant(client, member.email)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def set_membership(container: Container, member: Member, status: MembershipStatus) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(update(Membership).where(Membership.user_id == member.user_id).values(status=status))


# Password grant.


async def test_password_grant_issues_an_access_and_refresh_token(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    response = await password_grant(client, tenant.coordinator.email)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == container.settings.access_token_ttl_seconds
    assert body["refresh_expires_in"] == container.settings.refresh_token_ttl_seconds
    assert (body["user_id"], body["organization_id"], body["role"]) == (
        str(tenant.coordinator.user_id),
        str(tenant.organization_id),
        "coordinator",
    )


async def test_issued_access_token_is_an_eddsa_jwt_with_checked_claims(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    token = (await login(client, tenant.responder))["access_token"]
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": ACCESS_TOKEN_TYPE}
    payload = jwt.decode(token, options={"verify_signature": False})
    assert (payload["iss"], payload["aud"], payload["sub"], payload["role"]) == (
        container.settings.jwt_issuer,
        container.settings.jwt_audience,
        str(tenant.responder.user_id),
        "responder",
    )
    assert payload["exp"] - payload["iat"] == container.settings.access_token_ttl_seconds


async def test_issued_access_token_authenticates(client: AsyncClient, tenant: Tenant) -> None:
    token = (await login(client, tenant.admin))["access_token"]
    response = await client.get("/api/v1/alerts", headers=bearer(token))
    assert response.status_code == 200


async def test_email_is_matched_case_insensitively(client: AsyncClient, tenant: Tenant) -> None:
    response = await password_grant(client, tenant.admin.email.upper())
    assert response.status_code == 200


async def test_unknown_parameters_are_ignored(client: AsyncClient, tenant: Tenant) -> None:
    response = await password_grant(client, tenant.admin.email, client_id="web-app", client_secret="")
    assert response.status_code == 200


async def test_password_is_checked_exactly_as_typed(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    user_id, now, email = new_id(), utcnow(), f"spaces@{tenant.slug}.test"
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(User).values(
                id=user_id,
                email=email,
                full_name="Spacey",
                password_hash=hash_password("  padded secret  "),
                created_at=now,
                updated_at=now,
            )
        )
        await connection.execute(
            insert(Membership).values(
                id=new_id(),
                organization_id=tenant.organization_id,
                user_id=user_id,
                role=Role.REPORTER,
                status=MembershipStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
        )
    assert (await password_grant(client, email, "  padded secret  ")).status_code == 200
    assert (await password_grant(client, email, "padded secret")).status_code == 400


async def test_wrong_password_is_invalid_grant(client: AsyncClient, tenant: Tenant) -> None:
    response = await password_grant(client, tenant.admin.email, "wrong password")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"
    assert response.json()["error"] == "invalid_grant"


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client: AsyncClient, tenant: Tenant) -> None:
    unknown = await password_grant(client, "nobody@nowhere.test")
    wrong = await password_grant(client, tenant.admin.email, "wrong password")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json()["detail"] == wrong.json()["detail"]
    assert unknown.json()["code"] == "invalid_grant"


@pytest.mark.parametrize("missing", ["username", "password"])
async def test_password_grant_needs_username_and_password(client: AsyncClient, tenant: Tenant, missing: str) -> None:
    form = {"grant_type": "password", "username": tenant.admin.email, "password": PASSWORD}
    del form[missing]
    response = await client.post("/api/v1/auth/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_unsupported_grant_type_is_named(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_grant_type"
    assert response.json()["error"] == "unsupported_grant_type"


async def test_missing_grant_type_points_at_the_field(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", data={"username": "a@b.test"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/grant_type"


async def test_inactive_membership_cannot_log_in(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    await set_membership(container, tenant.responder, MembershipStatus.DEACTIVATED)
    response = await password_grant(client, tenant.responder.email)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_member_of_several_organizations_must_choose_one(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, container: Container
) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(
            insert(Membership).values(
                id=new_id(),
                organization_id=other_tenant.organization_id,
                user_id=tenant.coordinator.user_id,
                role=Role.RESPONDER,
                status=MembershipStatus.ACTIVE,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    ambiguous = await password_grant(client, tenant.coordinator.email)
    assert ambiguous.status_code == 400
    assert ambiguous.json()["code"] == "organization_required"
    assert ambiguous.json()["organizations"] == sorted([tenant.slug, other_tenant.slug])
    chosen = await password_grant(client, tenant.coordinator.email, organization=other_tenant.slug)
    assert chosen.status_code == 200
    assert (chosen.json()["organization_id"], chosen.json()["role"]) == (str(other_tenant.organization_id), "responder")


# Refresh tokens.


async def test_refresh_rotates_the_refresh_token(client: AsyncClient, tenant: Tenant) -> None:
    first = await login(client, tenant.reporter)
    response = await refresh_grant(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/alerts", headers=bearer(second["access_token"]))).status_code == 200
    assert (await refresh_grant(client, second["refresh_token"])).status_code == 200


async def test_refresh_tokens_are_stored_only_as_hashes(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    refresh = (await login(client, tenant.reporter))["refresh_token"]
    async with container.engine.connect() as connection:
        hashes = list((await connection.execute(select(RefreshToken.token_hash))).scalars())
    assert hashes == [hash_opaque_token(refresh)]
    assert refresh not in hashes


async def test_reusing_a_rotated_refresh_token_revokes_the_family(client: AsyncClient, tenant: Tenant) -> None:
    first = await login(client, tenant.reporter)
    second = (await refresh_grant(client, first["refresh_token"])).json()
    reuse = await refresh_grant(client, first["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["code"] == "invalid_grant"
    after = await refresh_grant(client, second["refresh_token"])
    assert after.status_code == 400
    assert after.json()["code"] == "invalid_grant"


async def test_reuse_revokes_only_its_own_family(client: AsyncClient, tenant: Tenant) -> None:
    stolen = await login(client, tenant.reporter)
    other_session = await login(client, tenant.reporter)
    await refresh_grant(client, stolen["refresh_token"])
    await refresh_grant(client, stolen["refresh_token"])
    assert (await refresh_grant(client, other_session["refresh_token"])).status_code == 200


async def test_reuse_is_recorded_on_every_token_of_the_family(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    first = await login(client, tenant.reporter)
    await refresh_grant(client, first["refresh_token"])
    await refresh_grant(client, first["refresh_token"])
    async with container.engine.connect() as connection:
        reasons = list((await connection.execute(select(RefreshToken.revoked_reason))).scalars())
    assert reasons == ["reuse", "reuse"]


async def test_concurrent_refreshes_with_one_token_let_at_most_one_through(client: AsyncClient, tenant: Tenant) -> None:
    refresh = (await login(client, tenant.reporter))["refresh_token"]
    responses = await asyncio.gather(*(refresh_grant(client, refresh) for _ in range(5)))
    assert Counter(r.status_code for r in responses) == {200: 1, 400: 4}
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert (await refresh_grant(client, winner["refresh_token"])).status_code == 400


async def test_expired_refresh_token_is_invalid_grant(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    refresh = (await login(client, tenant.reporter))["refresh_token"]
    async with container.engine.begin() as connection:
        await connection.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await refresh_grant(client, refresh)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_refresh_fails_and_revokes_once_the_membership_is_inactive(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    refresh = (await login(client, tenant.responder))["refresh_token"]
    await set_membership(container, tenant.responder, MembershipStatus.DEACTIVATED)
    response = await refresh_grant(client, refresh)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"
    async with container.engine.connect() as connection:
        reason = await connection.scalar(select(RefreshToken.revoked_reason))
    assert reason == "membership_inactive"


async def test_refresh_follows_a_role_change(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    refresh = (await login(client, tenant.responder))["refresh_token"]
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Membership).where(Membership.user_id == tenant.responder.user_id).values(role=Role.COORDINATOR)
        )
    assert (await refresh_grant(client, refresh)).json()["role"] == "coordinator"


async def test_unknown_refresh_token_is_invalid_grant(client: AsyncClient) -> None:
    response = await refresh_grant(client, "made-up-token")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_refresh_grant_needs_a_refresh_token(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", data={"grant_type": "refresh_token"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# Logout.


async def test_logout_ends_the_session(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    first = await login(client, tenant.reporter)
    second = (await refresh_grant(client, first["refresh_token"])).json()
    response = await client.post("/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    assert response.status_code == 204
    assert (await refresh_grant(client, second["refresh_token"])).status_code == 400
    async with container.engine.connect() as connection:
        reasons = list((await connection.execute(select(RefreshToken.revoked_reason))).scalars())
    assert reasons == ["logout", "logout"]


async def test_logout_leaves_other_sessions_alone(client: AsyncClient, tenant: Tenant) -> None:
    ended, kept = await login(client, tenant.reporter), await login(client, tenant.reporter)
    await client.post("/api/v1/auth/logout", json={"refresh_token": ended["refresh_token"]})
    assert (await refresh_grant(client, kept["refresh_token"])).status_code == 200


async def test_logout_with_an_unknown_token_reveals_nothing(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout", json={"refresh_token": "never-issued"})
    assert response.status_code == 204


async def test_logout_rejects_unknown_fields(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout", json={"refresh_token": "x", "everywhere": True})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/everywhere"


# Access tokens on protected endpoints.


async def test_missing_token_is_not_authenticated(client: AsyncClient) -> None:
    response = await client.get("/api/v1/alerts")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_non_bearer_scheme_is_not_authenticated(client: AsyncClient) -> None:
    response = await client.get("/api/v1/alerts", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


FORGERY_NAMES = list(forgeries(Ed25519PrivateKey.generate(), issuer="i", audience="a"))


@pytest.mark.parametrize("name", FORGERY_NAMES)
async def test_forged_token_is_invalid_token(client: AsyncClient, container: Container, name: str) -> None:
    key = load_or_create_signing_key(container.settings)
    token = forgeries(key, issuer=container.settings.jwt_issuer, audience=container.settings.jwt_audience)[name]
    response = await client.get("/api/v1/alerts", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_token_with_an_unknown_role_is_invalid(client: AsyncClient, container: Container) -> None:
    key = load_or_create_signing_key(container.settings)
    settings = container.settings
    token = sign(claims(issuer=settings.jwt_issuer, audience=settings.jwt_audience, role="superuser"), key)
    response = await client.get("/api/v1/alerts", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_well_formed_token_from_the_real_key_is_accepted(client: AsyncClient, container: Container) -> None:
    key = load_or_create_signing_key(container.settings)
    settings = container.settings
    token = sign(claims(issuer=settings.jwt_issuer, audience=settings.jwt_audience), key)
    response = await client.get("/api/v1/alerts", headers=bearer(token))
    assert response.status_code == 200


async def test_revoking_a_users_sessions_ends_every_refresh_token(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    sessions = [await login(client, tenant.responder) for _ in range(2)]
    kept = await login(client, tenant.admin)
    async with container.uow_factory() as uow:
        await revoke_sessions(
            uow, user_id=tenant.responder.user_id, organization_id=tenant.organization_id, reason="deactivated"
        )
        await uow.commit()
    for session in sessions:
        assert (await refresh_grant(client, session["refresh_token"])).status_code == 400
    assert (await refresh_grant(client, kept["refresh_token"])).status_code == 200
