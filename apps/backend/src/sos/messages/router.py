"""Message routes hang under their subject, so this router has no prefix of its own."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from sos.auth.dependencies import CurrentPrincipal, FieldPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.pagination import Page, Paging
from sos.messages import service
from sos.messages.schemas import MessageCreate, MessageRead

router = APIRouter(prefix="", tags=["messages"])


@router.post(
    "/alerts/{alert_id}/messages",
    status_code=status.HTTP_201_CREATED,
    operation_id="post_alert_message",
    summary="Post a message on an alert you can see",
)
async def post_alert_message(
    alert_id: UUID, body: MessageCreate, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> MessageRead:
    return await service.post_on_alert(uow, principal, alert_id, body.body)


@router.get(
    "/alerts/{alert_id}/messages", operation_id="list_alert_messages", summary="Messages on an alert, oldest first"
)
async def list_alert_messages(
    alert_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep, paging: Paging
) -> Page[MessageRead]:
    return await service.list_on_alert(uow, principal, alert_id, cursor=paging.cursor, limit=paging.limit)


@router.post(
    "/incidents/{incident_id}/messages",
    status_code=status.HTTP_201_CREATED,
    operation_id="post_incident_message",
    summary="Post a message on an incident",
)
async def post_incident_message(
    incident_id: UUID, body: MessageCreate, principal: FieldPrincipal, uow: UnitOfWorkDep
) -> MessageRead:
    return await service.post_on_incident(uow, principal, incident_id, body.body)


@router.get(
    "/incidents/{incident_id}/messages",
    operation_id="list_incident_messages",
    summary="Messages on an incident, oldest first",
)
async def list_incident_messages(
    incident_id: UUID, principal: FieldPrincipal, uow: UnitOfWorkDep, paging: Paging
) -> Page[MessageRead]:
    return await service.list_on_incident(uow, principal, incident_id, cursor=paging.cursor, limit=paging.limit)
