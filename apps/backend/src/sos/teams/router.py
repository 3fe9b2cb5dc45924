from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from sos.auth.dependencies import FieldPrincipal, StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.teams import service
from sos.teams.schemas import TeamCreate, TeamMemberPut, TeamMemberRead, TeamRead, TeamUpdate

router = APIRouter(prefix="/teams", tags=["teams"])

_STALE: dict[int | str, dict[str, Any]] = {412: {"description": "Stale ETag"}}


@router.get("", operation_id="list_teams", summary="List teams")
async def list_teams(
    principal: FieldPrincipal,
    uow: UnitOfWorkDep,
    paging: Paging,
    parent_id: Annotated[UUID | None, Query(description="Only the direct sub-teams of this team")] = None,
) -> Page[TeamRead]:
    return await service.list_teams(uow, principal, parent_id=parent_id, cursor=paging.cursor, limit=paging.limit)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_team",
    summary="Create a team, optionally below a parent team",
    responses={409: {"description": "A team with this name exists"}},
)
async def create_team(body: TeamCreate, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response) -> TeamRead:
    team = await service.create_team(uow, principal, body)
    response.headers["Location"] = f"/api/v1/teams/{team.id}"
    set_etag(response, team.version)
    return team


@router.get("/{team_id}", operation_id="get_team", summary="One team")
async def get_team(team_id: UUID, principal: FieldPrincipal, uow: UnitOfWorkDep, response: Response) -> TeamRead:
    team = await service.get_team(uow, principal, team_id)
    set_etag(response, team.version)
    return team


@router.patch(
    "/{team_id}",
    operation_id="update_team",
    summary="Rename, describe or move a team",
    responses={**_STALE, 409: {"description": "Duplicate name, or the move would make a cycle"}},
)
async def update_team(
    team_id: UUID,
    body: TeamUpdate,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> TeamRead:
    team = await service.update_team(uow, principal, team_id, body, expected_version=version)
    set_etag(response, team.version)
    return team


@router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_team",
    summary="Delete a team that has no sub-teams",
    responses={**_STALE, 409: {"description": "The team has sub-teams"}},
)
async def delete_team(team_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion) -> None:
    await service.delete_team(uow, principal, team_id, expected_version=version)


@router.get("/{team_id}/members", operation_id="list_team_members", summary="The team's members, leads first")
async def list_members(team_id: UUID, principal: FieldPrincipal, uow: UnitOfWorkDep) -> list[TeamMemberRead]:
    return await service.list_members(uow, principal, team_id)


@router.put(
    "/{team_id}/members/{user_id}",
    operation_id="put_team_member",
    summary="Add a member to the team, or change their team role",
    responses={201: {"description": "Added"}, 200: {"description": "Role updated or unchanged"}},
)
async def put_member(
    team_id: UUID,
    user_id: UUID,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    response: Response,
    body: TeamMemberPut | None = None,
) -> TeamMemberRead:
    role = (body or TeamMemberPut()).role
    member, created = await service.put_member(uow, principal, team_id, user_id, role)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return member


@router.delete(
    "/{team_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="remove_team_member",
    summary="Remove a member from the team",
)
async def remove_member(team_id: UUID, user_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep) -> None:
    await service.remove_member(uow, principal, team_id, user_id)
