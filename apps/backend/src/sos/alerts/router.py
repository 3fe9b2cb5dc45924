from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response, status

from sos.alerts import service
from sos.alerts.dependencies import Filters, IdempotencyKey
from sos.alerts.domain import AlertAction
from sos.alerts.schemas import AlertCreate, AlertRead, AssignmentCreate, AssignmentRead
from sos.auth.dependencies import CurrentPrincipal, StaffPrincipal
from sos.auth.principal import Principal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.core.schemas import LocationIn, LocationRead, TransitionIn
from sos.locations.limits import RATE_LIMITED_RESPONSE, LocationLimiter, LocationRateLimiter
from sos.locations.schemas import LocationBatchIn, LocationBatchRead, Since, Until
from sos.users.domain import Role

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="raise_alert",
    summary="Raise an SOS",
    responses={200: {"model": AlertRead, "description": "Replay of an Idempotency-Key: the first alert"}},
)
async def raise_alert(
    body: AlertCreate,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> AlertRead:
    alert, created = await service.raise_alert(uow, principal, body, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/alerts/{alert.id}"
    set_etag(response, alert.version)
    return alert


@router.get("", operation_id="list_alerts", summary="List alerts, newest first")
async def list_alerts(
    principal: CurrentPrincipal, uow: UnitOfWorkDep, filters: Filters, paging: Paging
) -> Page[AlertRead]:
    return await service.list_alerts(uow, principal, filters, cursor=paging.cursor, limit=paging.limit)


@router.get("/{alert_id}", operation_id="get_alert", summary="Get one alert")
async def get_alert(alert_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep, response: Response) -> AlertRead:
    alert = await service.get_alert(uow, principal, alert_id)
    set_etag(response, alert.version)
    return alert


def _transition_route(action: AlertAction, summary: str) -> None:
    async def endpoint(
        alert_id: UUID,
        principal: CurrentPrincipal,
        uow: UnitOfWorkDep,
        version: ExpectedVersion,
        response: Response,
        body: Annotated[TransitionIn | None, Body()] = None,
    ) -> AlertRead:
        alert = await service.transition(
            uow,
            principal,
            alert_id,
            action,
            note=body.note if body else None,
            expected_version=version,
        )
        set_etag(response, alert.version)
        return alert

    router.add_api_route(
        f"/{{alert_id}}/{action.value}",
        endpoint,
        methods=["POST"],
        operation_id=f"{action.value}_alert",
        summary=summary,
        response_model=AlertRead,
        responses={
            409: {"description": "Not allowed from the current status"},
            412: {"description": "Stale ETag"},
        },
    )


for _action, _summary in (
    (AlertAction.ACKNOWLEDGE, "Acknowledge: someone has seen the SOS"),
    (AlertAction.DISPATCH, "Dispatch: responders are on their way"),
    (AlertAction.ARRIVE, "Arrive: responders are on scene"),
    (AlertAction.RESOLVE, "Resolve"),
    (AlertAction.CANCEL, "Cancel: a false alarm"),
    (AlertAction.REOPEN, "Reopen a resolved alert"),
):
    _transition_route(_action, _summary)


async def _limit_unless_in_danger(limiter: LocationRateLimiter, principal: Principal) -> None:
    """The person in danger is never refused a fix of their own SOS (a reporter writes only to their own open alert);
    staff and responders adding points count against their limit."""
    if principal.role is not Role.REPORTER:
        await limiter.take(principal.user_id)


_TRAIL_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "The alert is closed"},
    **RATE_LIMITED_RESPONSE,
}


@router.post(
    "/{alert_id}/locations",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_alert_location",
    summary="Add a point to the alert's location trail",
    responses=_TRAIL_WRITE_RESPONSES,
)
async def record_location(
    alert_id: UUID, body: LocationIn, principal: CurrentPrincipal, uow: UnitOfWorkDep, limiter: LocationLimiter
) -> LocationRead:
    await _limit_unless_in_danger(limiter, principal)
    return await service.record_location(uow, principal, alert_id, body)


@router.post(
    "/{alert_id}/locations/batch",
    status_code=status.HTTP_201_CREATED,
    operation_id="record_alert_locations",
    summary="Add a batch of points, such as the queue a phone kept while offline; one upload against the limit",
    responses=_TRAIL_WRITE_RESPONSES,
)
async def record_locations(
    alert_id: UUID, body: LocationBatchIn, principal: CurrentPrincipal, uow: UnitOfWorkDep, limiter: LocationLimiter
) -> LocationBatchRead:
    await _limit_unless_in_danger(limiter, principal)
    return await service.record_locations(uow, principal, alert_id, body)


@router.get("/{alert_id}/locations", operation_id="list_alert_locations", summary="The location trail")
async def list_locations(
    alert_id: UUID,
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="The newest this many points, oldest first")] = 200,
    since: Since = None,
    until: Until = None,
) -> list[LocationRead]:
    return await service.list_locations(uow, principal, alert_id, limit=limit, since=since, until=until)


@router.post(
    "/{alert_id}/assignments",
    operation_id="assign_alert",
    summary="Assign responders or teams",
)
async def assign(
    alert_id: UUID, body: AssignmentCreate, principal: StaffPrincipal, uow: UnitOfWorkDep
) -> list[AssignmentRead]:
    return await service.assign(uow, principal, alert_id, body)


@router.get("/{alert_id}/assignments", operation_id="list_alert_assignments", summary="Who is assigned")
async def list_assignments(alert_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep) -> list[AssignmentRead]:
    return await service.list_assignments(uow, principal, alert_id)


@router.delete(
    "/{alert_id}/assignments/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="unassign_alert",
    summary="Remove an assignment",
)
async def unassign(alert_id: UUID, assignment_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep) -> None:
    await service.unassign(uow, principal, alert_id, assignment_id)
