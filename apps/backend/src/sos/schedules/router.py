from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status

from sos.auth.dependencies import CurrentPrincipal, FieldPrincipal, StaffPrincipal
from sos.core.db import utcnow
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.core.schemas import Timestamp
from sos.schedules import service
from sos.schedules.schemas import (
    FeedTokenRead,
    OnCallRead,
    OverrideIn,
    OverrideRead,
    ScheduleIn,
    ScheduleRead,
    ShiftsRead,
    SwapIn,
)

router = APIRouter(tags=["schedules"])

DEFAULT_SHIFTS_WINDOW = timedelta(days=7)

_STALE: dict[int | str, dict[str, Any]] = {412: {"description": "Stale ETag"}}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "Unknown time zone, empty layer, unknown member, or layers of equal priority that overlap"}
}
_CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar"},
    404: {"description": "No feed behind this token"},
}
FeedToken = Annotated[str, Path(description="The unguessable token of the feed URL")]
FeedWeeks = Annotated[int, Query(ge=1, le=13, description="How many weeks ahead the feed reaches")]


@router.get("/schedules", operation_id="list_schedules", summary="List on-call schedules")
async def list_schedules(principal: CurrentPrincipal, uow: UnitOfWorkDep, paging: Paging) -> Page[ScheduleRead]:
    return await service.list_schedules(uow, principal, cursor=paging.cursor, limit=paging.limit)


@router.post(
    "/schedules",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_schedule",
    summary="Create an on-call schedule with its rotation layers",
    responses={**_INVALID, 409: {"description": "A schedule with this name exists"}},
)
async def create_schedule(
    body: ScheduleIn, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response
) -> ScheduleRead:
    schedule = await service.create_schedule(uow, principal, body)
    response.headers["Location"] = f"/api/v1/schedules/{schedule.id}"
    set_etag(response, schedule.version)
    return schedule


@router.get("/schedules/{schedule_id}", operation_id="get_schedule", summary="One on-call schedule")
async def get_schedule(
    schedule_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep, response: Response
) -> ScheduleRead:
    schedule = await service.get_schedule(uow, principal, schedule_id)
    set_etag(response, schedule.version)
    return schedule


@router.put(
    "/schedules/{schedule_id}",
    operation_id="replace_schedule",
    summary="Replace a schedule and all of its layers",
    responses={**_STALE, **_INVALID},
)
async def replace_schedule(
    schedule_id: UUID,
    body: ScheduleIn,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> ScheduleRead:
    schedule = await service.replace_schedule(uow, principal, schedule_id, body, expected_version=version)
    set_etag(response, schedule.version)
    return schedule


@router.delete(
    "/schedules/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_schedule",
    summary="Delete a schedule with its layers and overrides",
    responses=_STALE,
)
async def delete_schedule(
    schedule_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion
) -> None:
    await service.delete_schedule(uow, principal, schedule_id, expected_version=version)


@router.get("/schedules/{schedule_id}/on-call", operation_id="get_on_call", summary="Who is on call at a time")
async def get_on_call(
    schedule_id: UUID,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    at: Annotated[Timestamp | None, Query(description="Defaults to now")] = None,
) -> OnCallRead:
    return await service.who_is_on_call(uow, principal, schedule_id, at or utcnow())


@router.get(
    "/schedules/{schedule_id}/shifts",
    operation_id="list_schedule_shifts",
    summary="The final shifts of a window, after layers and overrides",
    responses={422: {"description": "end is not after start, or the window spans more than 93 days"}},
)
async def list_shifts(
    schedule_id: UUID,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    start: Annotated[Timestamp | None, Query(description="Defaults to now")] = None,
    end: Annotated[Timestamp | None, Query(description="Defaults to 7 days after start; at most 93 days")] = None,
) -> ShiftsRead:
    start = start or utcnow()
    return await service.list_shifts(uow, principal, schedule_id, start, end or start + DEFAULT_SHIFTS_WINDOW)


@router.get("/schedules/{schedule_id}/overrides", operation_id="list_overrides", summary="Overrides and swaps")
async def list_overrides(
    schedule_id: UUID,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    ending_after: Annotated[Timestamp | None, Query(description="Only those still running or to come then")] = None,
) -> list[OverrideRead]:
    return await service.list_overrides(uow, principal, schedule_id, ending_after=ending_after)


@router.post(
    "/schedules/{schedule_id}/overrides",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_override",
    summary="Put someone on call for a window, whoever the layers say",
)
async def create_override(
    schedule_id: UUID, body: OverrideIn, principal: StaffPrincipal, uow: UnitOfWorkDep
) -> OverrideRead:
    return await service.create_override(uow, principal, schedule_id, body)


@router.delete(
    "/schedules/{schedule_id}/overrides/{override_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_override",
    summary="Remove an override or swap",
)
async def delete_override(schedule_id: UUID, override_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep) -> None:
    await service.delete_override(uow, principal, schedule_id, override_id)


@router.post(
    "/schedules/{schedule_id}/swaps",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_swap",
    summary="Hand a window of one's own on-call time to another member (staff: anyone's)",
    responses={422: {"description": "The user handing over is not on call for the whole window"}},
)
async def create_swap(schedule_id: UUID, body: SwapIn, principal: FieldPrincipal, uow: UnitOfWorkDep) -> OverrideRead:
    return await service.create_swap(uow, principal, schedule_id, body)


@router.post(
    "/schedules/{schedule_id}/feed-token",
    status_code=status.HTTP_201_CREATED,
    operation_id="issue_schedule_feed_token",
    summary="Issue the schedule's calendar-feed URL, revoking the previous one",
)
async def issue_schedule_feed_token(
    schedule_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, request: Request
) -> FeedTokenRead:
    token, created_at = await service.issue_schedule_feed(uow, principal, schedule_id)
    return FeedTokenRead(url=str(request.url_for("schedule_calendar_feed", token=token)), created_at=created_at)


@router.post(
    "/me/oncall-feed-token",
    status_code=status.HTTP_201_CREATED,
    operation_id="issue_my_oncall_feed_token",
    summary="Issue the calendar-feed URL of your own on-call shifts, revoking the previous one",
)
async def issue_my_feed_token(principal: CurrentPrincipal, uow: UnitOfWorkDep, request: Request) -> FeedTokenRead:
    token, created_at = await service.issue_user_feed(uow, principal)
    return FeedTokenRead(url=str(request.url_for("user_calendar_feed", token=token)), created_at=created_at)


@router.get(
    "/oncall-feeds/schedules/{token}.ics",
    name="schedule_calendar_feed",
    operation_id="get_schedule_calendar_feed",
    summary="A schedule's shifts as an iCalendar feed; the token in the URL is the credential",
    response_class=Response,
    responses=_CALENDAR,
)
async def schedule_calendar_feed(token: FeedToken, uow: UnitOfWorkDep, weeks: FeedWeeks = 12) -> Response:
    body = await service.schedule_feed(uow, token, now=utcnow(), weeks=weeks)
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get(
    "/oncall-feeds/users/{token}.ics",
    name="user_calendar_feed",
    operation_id="get_user_calendar_feed",
    summary="One person's shifts across the organization as an iCalendar feed; the token is the credential",
    response_class=Response,
    responses=_CALENDAR,
)
async def user_calendar_feed(token: FeedToken, uow: UnitOfWorkDep, weeks: FeedWeeks = 12) -> Response:
    body = await service.user_feed(uow, token, now=utcnow(), weeks=weeks)
    return Response(body, media_type="text/calendar; charset=utf-8")
