from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Query

from sos.alerts.domain import AlertStatus, Severity
from sos.alerts.schemas import AlertFilters
from sos.core.errors import ErrorCode, Unprocessable
from sos.core.schemas import Timestamp

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="A client-generated unique key; repeating it returns the alert it first created.",
    ),
]


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in raw.split(","))
    except ValueError as exc:
        raise _bad_bbox() from exc
    lon_ok = all(-180 <= value <= 180 for value in (min_lon, max_lon))
    lat_ok = all(-90 <= value <= 90 for value in (min_lat, max_lat)) and min_lat <= max_lat
    if not (lon_ok and lat_ok):
        raise _bad_bbox()
    return min_lon, min_lat, max_lon, max_lat


def _bad_bbox() -> Unprocessable:
    return Unprocessable(
        "bbox must be 'min_lon,min_lat,max_lon,max_lat' in degrees, with min_lat <= max_lat.",
        code=ErrorCode.VALIDATION_FAILED,
        errors=[{"in": "query", "pointer": "#/bbox", "type": "value_error", "message": "invalid bounding box"}],
    )


async def alert_filters(
    status: Annotated[list[AlertStatus] | None, Query(description="Any of these statuses")] = None,
    severity: Annotated[list[Severity] | None, Query(description="Any of these severities")] = None,
    team_id: Annotated[UUID | None, Query(description="Alerts assigned to this team")] = None,
    incident_id: Annotated[UUID | None, Query()] = None,
    created_after: Annotated[Timestamp | None, Query()] = None,
    created_before: Annotated[Timestamp | None, Query()] = None,
    bbox: Annotated[
        str | None, Query(description="min_lon,min_lat,max_lon,max_lat; a box may cross the antimeridian")
    ] = None,
) -> AlertFilters:
    return AlertFilters.model_construct(
        status=status or [],
        severity=severity or [],
        team_id=team_id,
        incident_id=incident_id,
        created_after=created_after,
        created_before=created_before,
        bbox=_bbox(bbox),
    )


Filters = Annotated[AlertFilters, Depends(alert_filters)]
