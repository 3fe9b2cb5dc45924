from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from sos.auth.dependencies import FieldPrincipal, ResponderPrincipal, StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.core.schemas import LocationIn, LocationRead
from sos.locations.limits import RATE_LIMITED_RESPONSE, LocationLimiter
from sos.locations.schemas import LocationBatchIn, LocationBatchRead, Since, Until
from sos.responders import service
from sos.responders.domain import Availability
from sos.responders.schemas import AvailabilityUpdate, ResponderFilters, ResponderRead, ResponderUpdate, Skill

router = APIRouter(prefix="/responders", tags=["responders"])


async def responder_filters(
    availability: Annotated[list[Availability] | None, Query(description="Any of these availabilities")] = None,
    skill: Annotated[Skill | None, Query(description="Responders with this skill")] = None,
    team_id: Annotated[UUID | None, Query(description="Members of this team")] = None,
) -> ResponderFilters:
    return ResponderFilters(availability=availability or [], skill=skill, team_id=team_id)


Filters = Annotated[ResponderFilters, Depends(responder_filters)]


@router.get("", operation_id="list_responders", summary="List active responders with availability and location")
async def list_responders(
    principal: StaffPrincipal, uow: UnitOfWorkDep, filters: Filters, paging: Paging
) -> Page[ResponderRead]:
    return await service.list_responders(uow, principal, filters, cursor=paging.cursor, limit=paging.limit)


@router.get("/me", operation_id="get_my_responder_profile", summary="The caller's own responder profile")
async def get_my_profile(principal: ResponderPrincipal, uow: UnitOfWorkDep, response: Response) -> ResponderRead:
    profile = await service.get_my_profile(uow, principal)
    set_etag(response, profile.version)
    return profile


@router.put(
    "/me/availability",
    operation_id="set_my_availability",
    summary="Go available, busy or off duty",
    responses={412: {"description": "Stale ETag"}},
)
async def set_my_availability(
    body: AvailabilityUpdate,
    principal: ResponderPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> ResponderRead:
    profile = await service.set_my_availability(uow, principal, body.availability, expected_version=version)
    set_etag(response, profile.version)
    return profile


@router.post(
    "/me/locations",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_my_location",
    summary="Post a location fix from the responder's device",
    responses=RATE_LIMITED_RESPONSE,
)
async def record_my_location(
    body: LocationIn, principal: ResponderPrincipal, uow: UnitOfWorkDep, limiter: LocationLimiter
) -> LocationRead:
    await limiter.take(principal.user_id)
    return await service.record_my_location(uow, principal, body)


@router.post(
    "/me/locations/batch",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_my_locations",
    summary="Post a batch of fixes, such as the queue a device kept while offline; one upload against the limit",
    responses=RATE_LIMITED_RESPONSE,
)
async def record_my_locations(
    body: LocationBatchIn, principal: ResponderPrincipal, uow: UnitOfWorkDep, limiter: LocationLimiter
) -> LocationBatchRead:
    await limiter.take(principal.user_id)
    return await service.record_my_locations(uow, principal, body)


@router.get(
    "/{user_id}/locations",
    operation_id="list_responder_locations",
    summary="A responder's location trail, newest first; a responder reads only their own",
)
async def list_responder_locations(
    user_id: UUID,
    principal: FieldPrincipal,
    uow: UnitOfWorkDep,
    paging: Paging,
    since: Since = None,
    until: Until = None,
) -> Page[LocationRead]:
    return await service.list_trail(
        uow, principal, user_id, since=since, until=until, cursor=paging.cursor, limit=paging.limit
    )


@router.get("/{user_id}", operation_id="get_responder", summary="One responder's profile")
async def get_responder(
    user_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response
) -> ResponderRead:
    profile = await service.get_responder(uow, principal, user_id)
    set_etag(response, profile.version)
    return profile


@router.patch(
    "/{user_id}",
    operation_id="update_responder",
    summary="Set a responder's skills or availability",
    responses={412: {"description": "Stale ETag"}},
)
async def update_responder(
    user_id: UUID,
    body: ResponderUpdate,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> ResponderRead:
    profile = await service.update_responder(uow, principal, user_id, body, expected_version=version)
    set_etag(response, profile.version)
    return profile
