from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sos.alerts.domain import Severity
from sos.analytics import service
from sos.analytics.schemas import ResponseTimes
from sos.auth.dependencies import StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.schemas import Timestamp

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get(
    "/response-times",
    operation_id="get_response_times",
    summary="Mean time to acknowledge and to resolve (mean, p50, p90) of the organization's alerts",
)
async def get_response_times(
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    triggered_after: Annotated[Timestamp | None, Query(description="Alerts triggered at or after this time")] = None,
    triggered_before: Annotated[Timestamp | None, Query(description="Alerts triggered before this time")] = None,
    severity: Annotated[list[Severity] | None, Query(description="Only alerts of these severities")] = None,
) -> ResponseTimes:
    return await service.response_times(
        uow,
        principal,
        triggered_after=triggered_after,
        triggered_before=triggered_before,
        severities=severity or [],
    )
