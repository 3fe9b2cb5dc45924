"""Members of an organization: creating and inviting them, their roles, and deactivation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sos.auth.principal import Principal
from sos.auth.service import revoke_sessions
from sos.core.db import utcnow
from sos.core.errors import (
    BadRequest,
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
)
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.pagination import Page, decode_cursor, encode_cursor
from sos.core.security import hash_opaque_token, hash_password, new_opaque_token, verify_password
from sos.core.uow import UnitOfWork
from sos.organizations.service import lock_organization
from sos.responders.service import ensure_profile
from sos.users.domain import MembershipStatus, Role
from sos.users.events import member_event
from sos.users.models import Membership, User
from sos.users.schemas import (
    InvitationAccept,
    InvitationAccepted,
    MemberCreate,
    MemberCreated,
    MemberFilters,
    MemberRead,
    MemberUpdate,
)

INVITATION_TTL = timedelta(days=7)


def _members(organization_id: UUID) -> Select[*tuple[Any, ...]]:
    return (
        select(
            User.id,
            Membership.id.label("membership_id"),
            Membership.organization_id,
            User.email,
            User.full_name,
            # Until a person joins, the inviting organization sees none of their account's details.
            case((Membership.status == MembershipStatus.INVITED, None), else_=User.phone).label("phone"),
            User.password_hash,
            Membership.role,
            Membership.status,
            Membership.invitation_expires_at,
            Membership.deactivated_at,
            case((Membership.status == MembershipStatus.INVITED, None), else_=User.last_login_at).label(
                "last_login_at"
            ),
            Membership.created_at,
            Membership.updated_at,
            Membership.version,
        )
        .join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == organization_id)
    )


async def _fetch(uow: UnitOfWork, organization_id: UUID, user_id: UUID) -> Any:
    row = (await uow.connection.execute(_members(organization_id).where(Membership.user_id == user_id))).first()
    if row is None:
        raise NotFound(f"No member {user_id} in your organization.", resource="user", id=str(user_id))
    return row


async def _fetch_for_change(uow: UnitOfWork, principal: Principal, user_id: UUID, expected_version: int | None) -> Any:
    """The member, read under the organization lock that serialises admin changes, at the version the caller saw."""
    await lock_organization(uow, principal.organization_id)
    row = await _fetch(uow, principal.organization_id, user_id)
    _check_version(row, expected_version)
    return row


def _read(row: Any, **changes: Any) -> MemberRead:
    return MemberRead.model_validate(dict(row._mapping) | changes)


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The member is at version {row.version}, not {expected_version}; reload them and retry.",
            current_version=row.version,
        )


async def list_members(
    uow: UnitOfWork, principal: Principal, filters: MemberFilters, *, cursor: str | None, limit: int
) -> Page[MemberRead]:
    """In the order they joined the organization."""
    query = _members(principal.organization_id)
    if filters.role:
        query = query.where(Membership.role.in_(filters.role))
    if filters.status:
        query = query.where(Membership.status.in_(filters.status))
    if cursor is not None:
        (after,) = decode_cursor(cursor, UUID)
        query = query.where(Membership.id > after)
    async with uow.read():
        rows = (await uow.connection.execute(query.order_by(Membership.id).limit(limit + 1))).all()
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].membership_id) if len(rows) > limit else None
    return Page[MemberRead](items=[_read(row) for row in page], next_cursor=next_cursor)


async def get_member(uow: UnitOfWork, principal: Principal, user_id: UUID) -> MemberRead:
    async with uow.read():
        return _read(await _fetch(uow, principal.organization_id, user_id))


def _invitation() -> tuple[str, dict[str, Any]]:
    token = new_opaque_token()
    return token, {
        "invitation_token_hash": hash_opaque_token(token),
        "invitation_expires_at": utcnow() + INVITATION_TTL,
    }


async def _existing_user(uow: UnitOfWork, email: str) -> Any:
    return (
        await uow.connection.execute(select(User.id, User.password_hash).where(func.lower(User.email) == email.lower()))
    ).first()


def _already_member(email: str) -> Conflict:
    return Conflict(f"{email} is already a member of this organization.", code=ErrorCode.ALREADY_EXISTS)


async def create_member(uow: UnitOfWork, principal: Principal, data: MemberCreate) -> MemberCreated:
    """Adds a person to the organization: active with a password, otherwise invited with a one-time token.

    An email already known to the platform gets an invited membership of its existing account, which its owner
    accepts with their own password; no tenant can take over, rename or silently enrol another tenant's member.
    """
    try:
        return await _create_member(uow, principal, data)
    except IntegrityError:
        # Someone created the same account or membership concurrently; the second attempt sees it.
        return await _create_member(uow, principal, data)


async def _create_member(uow: UnitOfWork, principal: Principal, data: MemberCreate) -> MemberCreated:
    now = utcnow()
    async with uow:
        user = await _existing_user(uow, data.email)
        if user is None:
            user_id, has_password = await _insert_user(uow, data), data.password is not None
        else:
            user_id, has_password = user.id, user.password_hash is not None
            await _refuse_duplicate(uow, principal.organization_id, user_id, data.email)
        # An account that already exists joins only when its owner accepts with their own password.
        active = user is None and has_password
        token, invitation = (None, {}) if active else _invitation()
        await uow.connection.execute(
            insert(Membership).values(
                {
                    "id": new_id(),
                    "organization_id": principal.organization_id,
                    "user_id": user_id,
                    "role": data.role,
                    "status": MembershipStatus.ACTIVE if active else MembershipStatus.INVITED,
                    "invitation_token_hash": None,
                    "invitation_expires_at": None,
                    "deactivated_at": None,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                | invitation
            )
        )
        if data.role is Role.RESPONDER:
            await ensure_profile(uow, organization_id=principal.organization_id, user_id=user_id)
        uow.record(_event(principal, user_id, "user.added" if active else "user.invited", role=data.role.value))
        row = await _fetch(uow, principal.organization_id, user_id)
        await uow.commit()
    return MemberCreated.model_validate(dict(row._mapping) | {"invitation_token": token})


async def _insert_user(uow: UnitOfWork, data: MemberCreate) -> UUID:
    user_id = new_id()
    now = utcnow()
    await uow.connection.execute(
        insert(User).values(
            id=user_id,
            email=data.email,
            full_name=data.full_name,
            phone=data.phone,
            password_hash=hash_password(data.password) if data.password else None,
            created_at=now,
            updated_at=now,
        )
    )
    return user_id


async def _refuse_duplicate(uow: UnitOfWork, organization_id: UUID, user_id: UUID, email: str) -> None:
    found = await uow.connection.execute(
        select(Membership.id).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    )
    if found.first() is not None:
        raise _already_member(email)


async def _require_another_admin(uow: UnitOfWork, organization_id: UUID, user_id: UUID) -> None:
    """Refuses a change that would leave the organization without an active admin. Needs the organization lock."""
    others = (
        await uow.connection.execute(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.organization_id == organization_id,
                Membership.role == Role.ADMIN,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.user_id != user_id,
            )
        )
    ).scalar_one()
    if others == 0:
        raise Conflict(
            "This is the organization's last active admin; make someone else admin first.",
            code=ErrorCode.LAST_ADMIN,
        )


def _is_active_admin(row: Any) -> bool:
    return Role(row.role) is Role.ADMIN and MembershipStatus(row.status) is MembershipStatus.ACTIVE


async def _update_membership(uow: UnitOfWork, row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    changes = changes | {"version": row.version + 1, "updated_at": utcnow()}
    await uow.connection.execute(update(Membership).where(Membership.id == row.membership_id).values(changes))
    return changes


async def _refuse_shared_profile(uow: UnitOfWork, organization_id: UUID, user_id: UUID) -> None:
    """Name and phone belong to the person: one organization's admin may not change them for the others."""
    elsewhere = (
        await uow.connection.execute(
            select(func.count())
            .select_from(Membership)
            .where(Membership.user_id == user_id, Membership.organization_id != organization_id)
        )
    ).scalar_one()
    if elsewhere:
        raise Forbidden(
            "This person also belongs to other organizations, so only they can change their name and phone.",
            fields=["full_name", "phone"],
        )


async def update_member(
    uow: UnitOfWork, principal: Principal, user_id: UUID, data: MemberUpdate, *, expected_version: int | None
) -> MemberRead:
    async with uow:
        row = await _fetch_for_change(uow, principal, user_id, expected_version)
        wanted = data.model_dump(exclude_unset=True)
        profile = {name: wanted[name] for name in ("full_name", "phone") if name in wanted}
        profile = {name: value for name, value in profile.items() if value != getattr(row, name)}
        role = data.role if data.role is not None and data.role != row.role else None
        if not profile and role is None:
            return _read(row)
        if role is not None and _is_active_admin(row):
            await _require_another_admin(uow, principal.organization_id, user_id)
        if profile:
            await _refuse_shared_profile(uow, principal.organization_id, user_id)
            await uow.connection.execute(update(User).where(User.id == user_id).values(profile))
            uow.record(_event(principal, user_id, "user.updated", fields=sorted(profile)))
        membership = await _update_membership(uow, row, {"role": role} if role is not None else {})
        if role is not None:
            if role is Role.RESPONDER:
                await ensure_profile(uow, organization_id=principal.organization_id, user_id=user_id)
            uow.record(
                _event(
                    principal, user_id, "membership.role_changed", from_role=Role(row.role).value, to_role=role.value
                )
            )
        await uow.commit()
    return _read(row, **profile, **membership)


def _event(principal: Principal, user_id: UUID, event_type: str, **payload: Any) -> DomainEvent:
    return member_event(
        event_type, user_id=user_id, organization_id=principal.organization_id, actor_id=principal.user_id, **payload
    )


async def deactivate_member(
    uow: UnitOfWork, principal: Principal, user_id: UUID, *, expected_version: int | None
) -> MemberRead:
    """Ends the membership's access: its sessions in this organization are revoked."""
    async with uow:
        row = await _fetch_for_change(uow, principal, user_id, expected_version)
        status = MembershipStatus(row.status)
        if status is MembershipStatus.DEACTIVATED:
            raise InvalidTransition("The member is already deactivated.", current_status=status.value)
        if _is_active_admin(row):
            await _require_another_admin(uow, principal.organization_id, user_id)
        changes = await _update_membership(
            uow,
            row,
            {
                "status": MembershipStatus.DEACTIVATED,
                "deactivated_at": utcnow(),
                "invitation_token_hash": None,
                "invitation_expires_at": None,
            },
        )
        await revoke_sessions(uow, user_id=user_id, organization_id=principal.organization_id, reason="deactivated")
        uow.record(_event(principal, user_id, "membership.deactivated", from_status=status.value))
        await uow.commit()
    return _read(row, **changes)


async def reactivate_member(
    uow: UnitOfWork, principal: Principal, user_id: UUID, *, expected_version: int | None
) -> MemberRead:
    """Restores a deactivated member: active again, or invited when the account never got a password."""
    async with uow:
        row = await _fetch_for_change(uow, principal, user_id, expected_version)
        status = MembershipStatus(row.status)
        if status is not MembershipStatus.DEACTIVATED:
            raise InvalidTransition("Only a deactivated member can be reactivated.", current_status=status.value)
        target = MembershipStatus.ACTIVE if row.password_hash is not None else MembershipStatus.INVITED
        changes = await _update_membership(uow, row, {"status": target, "deactivated_at": None})
        uow.record(_event(principal, user_id, "membership.reactivated", status=target.value))
        await uow.commit()
    return _read(row, **changes)


async def renew_invitation(
    uow: UnitOfWork, principal: Principal, user_id: UUID, *, expected_version: int | None
) -> MemberCreated:
    """Issues a fresh invitation token for an invited member; the previous token stops working."""
    async with uow:
        row = await _fetch_for_change(uow, principal, user_id, expected_version)
        status = MembershipStatus(row.status)
        if status is not MembershipStatus.INVITED:
            raise InvalidTransition("Only an invited member gets an invitation.", current_status=status.value)
        token, invitation = _invitation()
        changes = await _update_membership(uow, row, invitation)
        uow.record(_event(principal, user_id, "user.invitation_renewed"))
        await uow.commit()
    return MemberCreated.model_validate(dict(row._mapping) | changes | {"invitation_token": token})


def _invalid_invitation() -> BadRequest:
    return BadRequest(
        "The invitation is unknown, already used or expired; ask an admin for a new one.",
        code=ErrorCode.INVALID_TOKEN,
    )


async def _refuse_if_invited_earlier_elsewhere(uow: UnitOfWork, row: Any) -> None:
    """Only the organization that created a password-less account may have its invitation set the password."""
    earlier = (
        await uow.connection.execute(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.user_id == row.id,
                Membership.organization_id != row.organization_id,
                Membership.created_at < row.created_at,
            )
        )
    ).scalar_one()
    if earlier:
        raise Conflict(
            "This account was first invited by another organization: accept that invitation first, then this one "
            "with the same password.",
            code=ErrorCode.EARLIER_INVITATION_PENDING,
        )


async def accept_invitation(uow: UnitOfWork, data: InvitationAccept) -> InvitationAccepted:
    """Activates the membership; sets the password and name only of an account that has no password yet."""
    token_hash = hash_opaque_token(data.token)
    async with uow:
        found = (
            await uow.connection.execute(
                select(Membership.organization_id).where(Membership.invitation_token_hash == token_hash)
            )
        ).first()
        if found is None:
            raise _invalid_invitation()
        organization = await lock_organization(uow, found.organization_id)
        invitation = (
            await uow.connection.execute(
                select(Membership.user_id).where(
                    Membership.invitation_token_hash == token_hash,
                    Membership.status == MembershipStatus.INVITED,
                    Membership.invitation_expires_at > utcnow(),
                )
            )
        ).first()
        if invitation is None:
            raise _invalid_invitation()
        row = await _fetch(uow, found.organization_id, invitation.user_id)
        if row.password_hash is None:
            await _refuse_if_invited_earlier_elsewhere(uow, row)
            account: dict[str, Any] = {"password_hash": hash_password(data.password)}
            if data.full_name is not None:
                account["full_name"] = data.full_name
            await uow.connection.execute(update(User).where(User.id == row.id).values(account))
        elif not verify_password(row.password_hash, data.password):
            raise BadRequest(
                "This account already has a password; accept the invitation with it.",
                code=ErrorCode.INVALID_GRANT,
                errors=[{"pointer": "#/password", "message": "not the account's password"}],
            )
        await _update_membership(
            uow,
            row,
            {"status": MembershipStatus.ACTIVE, "invitation_token_hash": None, "invitation_expires_at": None},
        )
        uow.record(
            member_event(
                "user.invitation_accepted",
                user_id=row.id,
                organization_id=found.organization_id,
                actor_id=row.id,
                role=Role(row.role).value,
            )
        )
        await uow.commit()
    return InvitationAccepted(
        user_id=row.id,
        email=row.email,
        organization_id=found.organization_id,
        organization_slug=organization.slug,
        role=row.role,
    )
