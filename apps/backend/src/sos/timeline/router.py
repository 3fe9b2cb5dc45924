"""Timeline routes hang under their subject, so this router has no prefix of its own."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from sos.auth.dependencies import CurrentPrincipal, FieldPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.pagination import Page, Paging
from sos.timeline import service
from sos.timeline.schemas import TimelineEntryRead

router = APIRouter(prefix="", tags=["timeline"])


@router.get(
    "/alerts/{alert_id}/timeline",
    operation_id="get_alert_timeline",
    summary="What happened to an alert, oldest first",
)
async def get_alert_timeline(
    alert_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep, paging: Paging
) -> Page[TimelineEntryRead]:
    return await service.alert_timeline(uow, principal, alert_id, cursor=paging.cursor, limit=paging.limit)


@router.get(
    "/incidents/{incident_id}/timeline",
    operation_id="get_incident_timeline",
    summary="What happened to an incident and to each of its alerts, oldest first",
)
async def get_incident_timeline(
    incident_id: UUID, principal: FieldPrincipal, uow: UnitOfWorkDep, paging: Paging
) -> Page[TimelineEntryRead]:
    return await service.incident_timeline(uow, principal, incident_id, cursor=paging.cursor, limit=paging.limit)
