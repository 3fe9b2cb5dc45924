from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from sos.auth.dependencies import AdminPrincipal, CurrentPrincipal, StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.users import service
from sos.users.dependencies import Filters
from sos.users.schemas import (
    InvitationAccept,
    InvitationAccepted,
    MemberCreate,
    MemberCreated,
    MemberRead,
    MemberUpdate,
)

# No prefix: the public invitation endpoint lives beside /users under /invitations.
router = APIRouter(tags=["users"])

_STALE: dict[int | str, dict[str, Any]] = {412: {"description": "Stale ETag"}}


@router.get("/users", operation_id="list_users", summary="List the organization's members")
async def list_users(
    principal: StaffPrincipal, uow: UnitOfWorkDep, filters: Filters, paging: Paging
) -> Page[MemberRead]:
    return await service.list_members(uow, principal, filters, cursor=paging.cursor, limit=paging.limit)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_user",
    summary="Add a member: active with a password, otherwise invited",
    responses={409: {"description": "Already a member of this organization"}},
)
async def create_user(
    body: MemberCreate, principal: AdminPrincipal, uow: UnitOfWorkDep, response: Response
) -> MemberCreated:
    member = await service.create_member(uow, principal, body)
    response.headers["Location"] = f"/api/v1/users/{member.id}"
    response.headers["Cache-Control"] = "no-store"
    set_etag(response, member.version)
    return member


@router.get("/users/me", operation_id="get_me", summary="The caller's own profile, organization and role")
async def get_me(principal: CurrentPrincipal, uow: UnitOfWorkDep, response: Response) -> MemberRead:
    member = await service.get_member(uow, principal, principal.user_id)
    set_etag(response, member.version)
    return member


@router.get("/users/{user_id}", operation_id="get_user", summary="One member")
async def get_user(user_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response) -> MemberRead:
    member = await service.get_member(uow, principal, user_id)
    set_etag(response, member.version)
    return member


@router.patch(
    "/users/{user_id}",
    operation_id="update_user",
    summary="Change a member's name, phone or role",
    responses={**_STALE, 409: {"description": "Would demote the last active admin"}},
)
async def update_user(
    user_id: UUID,
    body: MemberUpdate,
    principal: AdminPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> MemberRead:
    member = await service.update_member(uow, principal, user_id, body, expected_version=version)
    set_etag(response, member.version)
    return member


@router.post(
    "/users/{user_id}/deactivate",
    operation_id="deactivate_user",
    summary="Deactivate a member and end their sessions",
    responses={**_STALE, 409: {"description": "Already deactivated, or the last active admin"}},
)
async def deactivate_user(
    user_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion, response: Response
) -> MemberRead:
    member = await service.deactivate_member(uow, principal, user_id, expected_version=version)
    set_etag(response, member.version)
    return member


@router.post(
    "/users/{user_id}/reactivate",
    operation_id="reactivate_user",
    summary="Reactivate a deactivated member",
    responses={**_STALE, 409: {"description": "Not deactivated"}},
)
async def reactivate_user(
    user_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion, response: Response
) -> MemberRead:
    member = await service.reactivate_member(uow, principal, user_id, expected_version=version)
    set_etag(response, member.version)
    return member


@router.post(
    "/users/{user_id}/invitation",
    operation_id="renew_invitation",
    summary="Issue a fresh invitation token to an invited member",
    responses={**_STALE, 409: {"description": "Not invited"}},
)
async def renew_invitation(
    user_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion, response: Response
) -> MemberCreated:
    member = await service.renew_invitation(uow, principal, user_id, expected_version=version)
    response.headers["Cache-Control"] = "no-store"
    set_etag(response, member.version)
    return member


@router.post(
    "/invitations/accept",
    operation_id="accept_invitation",
    summary="Accept an invitation: activates the membership (public)",
    tags=["auth"],
    responses={400: {"description": "Unknown, used or expired token"}},
)
async def accept_invitation(body: InvitationAccept, uow: UnitOfWorkDep) -> InvitationAccepted:
    return await service.accept_invitation(uow, body)
