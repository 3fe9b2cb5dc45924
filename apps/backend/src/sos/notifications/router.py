from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from sos.auth.dependencies import CurrentPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.pagination import Page, Paging
from sos.notifications import service
from sos.notifications.schemas import NotificationRead

router = APIRouter(prefix="/me/notifications", tags=["notifications"])


@router.get("", operation_id="list_my_notifications", summary="List your in-app notifications, newest first")
async def list_my_notifications(
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    paging: Paging,
    unread: Annotated[bool, Query(description="Only the ones you have not read yet")] = False,
) -> Page[NotificationRead]:
    return await service.list_notifications(
        uow, principal, unread_only=unread, cursor=paging.cursor, limit=paging.limit
    )


@router.post(
    "/{notification_id}/read",
    operation_id="mark_my_notification_read",
    summary="Mark one of your notifications read; marking it again changes nothing",
    responses={404: {"description": "No such notification for you"}},
)
async def mark_my_notification_read(
    notification_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> NotificationRead:
    return await service.mark_read(uow, principal, notification_id)
