from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from sos.auth.dependencies import CurrentPrincipal
from sos.checkins import service
from sos.checkins.dependencies import IdempotencyKey
from sos.checkins.domain import CheckinStatus
from sos.checkins.schemas import CheckinCreate, CheckinExtend, CheckinRead
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.core.schemas import LocationIn

router = APIRouter(prefix="/checkins", tags=["checkins"])

_NOT_ACTIVE: dict[int | str, dict[str, Any]] = {409: {"description": "The timer is no longer active"}}
_STALE: dict[int | str, dict[str, Any]] = {412: {"description": "Stale ETag"}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="start_checkin",
    summary="Start a safety check-in timer: unless cancelled or extended in time, it raises an SOS",
    responses={200: {"model": CheckinRead, "description": "Replay of an Idempotency-Key: the first timer"}},
)
async def start_checkin(
    body: CheckinCreate,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CheckinRead:
    timer, created = await service.start_checkin(uow, principal, body, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/checkins/{timer.id}"
    set_etag(response, timer.version)
    return timer


@router.get(
    "",
    operation_id="list_checkins",
    summary="List check-in timers, newest first: your own, or for staff the organization's",
)
async def list_checkins(
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    paging: Paging,
    statuses: Annotated[list[CheckinStatus] | None, Query(alias="status", description="Any of these statuses")] = None,
    user_id: Annotated[UUID | None, Query(description="Only this person's timers")] = None,
) -> Page[CheckinRead]:
    return await service.list_checkins(
        uow, principal, statuses=statuses or [], user_id=user_id, cursor=paging.cursor, limit=paging.limit
    )


@router.get("/{checkin_id}", operation_id="get_checkin", summary="Get one check-in timer")
async def get_checkin(
    checkin_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep, response: Response
) -> CheckinRead:
    timer = await service.get_checkin(uow, principal, checkin_id)
    set_etag(response, timer.version)
    return timer


@router.post(
    "/{checkin_id}/extend",
    operation_id="extend_checkin",
    summary="Set a new due time, counted from now",
    responses={**_NOT_ACTIVE, **_STALE},
)
async def extend_checkin(
    checkin_id: UUID,
    body: CheckinExtend,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> CheckinRead:
    timer = await service.extend_checkin(uow, principal, checkin_id, body, expected_version=version)
    set_etag(response, timer.version)
    return timer


@router.post(
    "/{checkin_id}/location",
    operation_id="update_checkin_location",
    summary="Update the last known location the SOS would carry",
    responses=_NOT_ACTIVE,
)
async def update_location(
    checkin_id: UUID, body: LocationIn, principal: CurrentPrincipal, uow: UnitOfWorkDep, response: Response
) -> CheckinRead:
    timer = await service.update_location(uow, principal, checkin_id, body)
    set_etag(response, timer.version)
    return timer


@router.post(
    "/{checkin_id}/cancel",
    operation_id="cancel_checkin",
    summary="I'm safe: stop the timer",
    responses={**_NOT_ACTIVE, **_STALE},
)
async def cancel_checkin(
    checkin_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion, response: Response
) -> CheckinRead:
    timer = await service.cancel_checkin(uow, principal, checkin_id, expected_version=version)
    set_etag(response, timer.version)
    return timer
