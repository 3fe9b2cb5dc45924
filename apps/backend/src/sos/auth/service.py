"""Token issuance: password and refresh-token grants, rotation with reuse detection, and logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update

from sos.auth.models import RefreshToken
from sos.auth.schemas import TokenRequest, TokenResponse
from sos.core.config import Settings
from sos.core.db import utcnow
from sos.core.errors import BadRequest, ErrorCode
from sos.core.ids import new_id
from sos.core.security import TokenSigner, hash_opaque_token, new_opaque_token, verify_password
from sos.core.uow import UnitOfWork
from sos.organizations.models import Organization
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User


def _invalid_grant(detail: str) -> BadRequest:
    return BadRequest(detail, code=ErrorCode.INVALID_GRANT, error="invalid_grant")


async def _active_membership(uow: UnitOfWork, user_id: UUID, organization_slug: str | None) -> Any:
    query = (
        select(Membership.organization_id, Membership.role, Membership.version, Organization.slug)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE)
    )
    if organization_slug is not None:
        query = query.where(Organization.slug == organization_slug)
    rows = (await uow.connection.execute(query)).all()
    if not rows:
        raise _invalid_grant("The credentials are not valid for an active membership.")
    if len(rows) > 1:
        raise BadRequest(
            "You belong to several organizations; name one in the 'organization' field.",
            code=ErrorCode.ORGANIZATION_REQUIRED,
            error="invalid_request",
            organizations=sorted(row.slug for row in rows),
        )
    return rows[0]


async def _issue(
    uow: UnitOfWork,
    signer: TokenSigner,
    settings: Settings,
    *,
    user_id: UUID,
    organization_id: UUID,
    role: Role,
    membership_version: int,
    family_id: UUID,
) -> TokenResponse:
    refresh = new_opaque_token()
    now = utcnow()
    await uow.connection.execute(
        insert(RefreshToken).values(
            id=new_id(),
            family_id=family_id,
            user_id=user_id,
            organization_id=organization_id,
            token_hash=hash_opaque_token(refresh),
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    return TokenResponse(
        access_token=signer.issue(
            user_id=user_id, organization_id=organization_id, role=role.value, membership_version=membership_version
        ),
        expires_in=signer.ttl_seconds,
        refresh_token=refresh,
        refresh_expires_in=settings.refresh_token_ttl_seconds,
        user_id=user_id,
        organization_id=organization_id,
        role=role,
    )


async def password_grant(
    uow: UnitOfWork, signer: TokenSigner, settings: Settings, request: TokenRequest
) -> TokenResponse:
    if not request.username or not request.password:
        raise BadRequest("The password grant needs 'username' and 'password'.", error="invalid_request")
    async with uow:
        user = (
            await uow.connection.execute(
                select(User.id, User.password_hash).where(func.lower(User.email) == request.username.lower())
            )
        ).first()
        if not verify_password(user.password_hash if user else None, request.password) or user is None:
            raise _invalid_grant("The email or password is wrong.")
        membership = await _active_membership(uow, user.id, request.organization)
        tokens = await _issue(
            uow,
            signer,
            settings,
            user_id=user.id,
            organization_id=membership.organization_id,
            role=Role(membership.role),
            membership_version=membership.version,
            family_id=new_id(),
        )
        await uow.connection.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))
        await uow.commit()
    return tokens


async def _revoke_family(uow: UnitOfWork, family_id: UUID, reason: str) -> None:
    await uow.connection.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


async def refresh_grant(
    uow: UnitOfWork, signer: TokenSigner, settings: Settings, request: TokenRequest
) -> TokenResponse:
    if not request.refresh_token:
        raise BadRequest("The refresh_token grant needs 'refresh_token'.", error="invalid_request")
    token_hash = hash_opaque_token(request.refresh_token)
    async with uow:
        token = (
            await uow.connection.execute(
                # Locking the token first serialises concurrent refreshes of one token, in one lock order.
                select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
            )
        ).first()
        if token is None:
            raise _invalid_grant("The refresh token is not valid.")
        now = utcnow()
        if token.used_at is not None or token.revoked_at is not None:
            await _revoke_family(uow, token.family_id, "reuse")
            await uow.commit()
            raise _invalid_grant("The refresh token was already used; every session from it is now revoked.")
        if token.expires_at <= now:
            raise _invalid_grant("The refresh token has expired; log in again.")
        membership = (
            await uow.connection.execute(
                select(Membership.role, Membership.version).where(
                    Membership.user_id == token.user_id,
                    Membership.organization_id == token.organization_id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        ).first()
        if membership is None:
            await _revoke_family(uow, token.family_id, "membership_inactive")
            await uow.commit()
            raise _invalid_grant("The membership behind this session is no longer active.")
        claimed = await uow.connection.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            await _revoke_family(uow, token.family_id, "reuse")
            await uow.commit()
            raise _invalid_grant("The refresh token was already used; every session from it is now revoked.")
        tokens = await _issue(
            uow,
            signer,
            settings,
            user_id=token.user_id,
            organization_id=token.organization_id,
            role=Role(membership.role),
            membership_version=membership.version,
            family_id=token.family_id,
        )
        await uow.commit()
    return tokens


async def logout(uow: UnitOfWork, refresh_token: str) -> None:
    """Revokes the whole session family; an unknown token is silently accepted to reveal nothing."""
    async with uow:
        token = (
            await uow.connection.execute(
                select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_opaque_token(refresh_token))
            )
        ).first()
        if token is not None:
            await _revoke_family(uow, token.family_id, "logout")
        await uow.commit()


async def revoke_sessions(uow: UnitOfWork, *, user_id: UUID, organization_id: UUID, reason: str) -> None:
    """Revokes every refresh token of a user in one organization, inside the caller's unit of work."""
    await uow.connection.execute(
        update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.organization_id == organization_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
