from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response, status

from sos.auth.dependencies import FieldPrincipal, StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.core.schemas import TransitionIn
from sos.incidents import service
from sos.incidents.domain import IncidentAction, IncidentStatus
from sos.incidents.schemas import IncidentCreate, IncidentRead, IncidentUpdate, MergeAlerts

router = APIRouter(prefix="/incidents", tags=["incidents"])

_STALE: dict[int | str, dict[str, Any]] = {412: {"description": "Stale ETag"}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="open_incident",
    summary="Open an incident, optionally grouping alerts under it",
)
async def open_incident(
    body: IncidentCreate, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response
) -> IncidentRead:
    incident = await service.open_incident(uow, principal, body)
    response.headers["Location"] = f"/api/v1/incidents/{incident.id}"
    set_etag(response, incident.version)
    return incident


@router.get("", operation_id="list_incidents", summary="List incidents, newest first")
async def list_incidents(
    principal: FieldPrincipal,
    uow: UnitOfWorkDep,
    paging: Paging,
    statuses: Annotated[list[IncidentStatus] | None, Query(alias="status", description="Any of these statuses")] = None,
) -> Page[IncidentRead]:
    return await service.list_incidents(
        uow, principal, statuses=statuses or [], cursor=paging.cursor, limit=paging.limit
    )


@router.get("/{incident_id}", operation_id="get_incident", summary="Get one incident with its alert ids")
async def get_incident(
    incident_id: UUID, principal: FieldPrincipal, uow: UnitOfWorkDep, response: Response
) -> IncidentRead:
    incident = await service.get_incident(uow, principal, incident_id)
    set_etag(response, incident.version)
    return incident


@router.patch(
    "/{incident_id}",
    operation_id="update_incident",
    summary="Change the title, summary, severity or commander",
    responses=_STALE,
)
async def update_incident(
    incident_id: UUID,
    body: IncidentUpdate,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> IncidentRead:
    incident = await service.update_incident(uow, principal, incident_id, body, expected_version=version)
    set_etag(response, incident.version)
    return incident


@router.post(
    "/{incident_id}/alerts",
    operation_id="merge_alerts_into_incident",
    summary="Merge alerts into the incident; an alert in another incident moves here",
    responses={409: {"description": "The incident is resolved"}},
)
async def merge_alerts(
    incident_id: UUID, body: MergeAlerts, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response
) -> IncidentRead:
    incident = await service.merge_alerts(uow, principal, incident_id, body.alert_ids)
    set_etag(response, incident.version)
    return incident


def _transition_route(action: IncidentAction, summary: str) -> None:
    async def endpoint(
        incident_id: UUID,
        principal: StaffPrincipal,
        uow: UnitOfWorkDep,
        version: ExpectedVersion,
        response: Response,
        body: Annotated[TransitionIn | None, Body()] = None,
    ) -> IncidentRead:
        incident = await service.transition(
            uow, principal, incident_id, action, note=body.note if body else None, expected_version=version
        )
        set_etag(response, incident.version)
        return incident

    router.add_api_route(
        f"/{{incident_id}}/{action.value}",
        endpoint,
        methods=["POST"],
        operation_id=f"{action.value}_incident",
        summary=summary,
        response_model=IncidentRead,
        responses={409: {"description": "Not allowed from the current status"}, **_STALE},
    )


for _action, _summary in (
    (IncidentAction.RESOLVE, "Resolve the incident; its alerts keep their own status"),
    (IncidentAction.REOPEN, "Reopen a resolved incident"),
):
    _transition_route(_action, _summary)
