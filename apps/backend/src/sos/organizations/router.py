from __future__ import annotations

from fastapi import APIRouter, Response

from sos.auth.dependencies import AdminPrincipal, CurrentPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.organizations import service
from sos.organizations.schemas import OrganizationRead, OrganizationUpdate

router = APIRouter(prefix="/organization", tags=["organization"])


@router.get("", operation_id="get_organization", summary="The caller's organization")
async def get_organization(principal: CurrentPrincipal, uow: UnitOfWorkDep, response: Response) -> OrganizationRead:
    organization = await service.get_organization(uow, principal)
    set_etag(response, organization.version)
    return organization


@router.patch(
    "",
    operation_id="update_organization",
    summary="Rename the organization or change its time zone",
    responses={412: {"description": "Stale ETag"}},
)
async def update_organization(
    body: OrganizationUpdate,
    principal: AdminPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> OrganizationRead:
    organization = await service.update_organization(uow, principal, body, expected_version=version)
    set_etag(response, organization.version)
    return organization
