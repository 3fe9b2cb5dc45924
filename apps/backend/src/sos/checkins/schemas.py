from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from sos.alerts.domain import Category, Severity
from sos.checkins.domain import DEFAULT_CATEGORY, DEFAULT_SEVERITY, CheckinStatus
from sos.core.schemas import LocationIn, ReadModel, StrictInput, Timestamp

CheckinNote = Annotated[str, Field(min_length=1, max_length=500, description='What you are doing: "walking home"')]
DueAt = Annotated[
    Timestamp | None,
    Field(description="When to raise the SOS unless cancelled: 1 minute to 24 hours from now"),
]
DurationMinutes = Annotated[
    int | None,
    Field(strict=True, ge=1, le=1440, description="Instead of due_at: minutes from now"),
]


class CheckinCreate(StrictInput):
    """Send exactly one of ``due_at`` and ``duration_minutes``."""

    location: LocationIn = Field(description="Where you are now; the SOS carries the last location you sent")
    due_at: DueAt = None
    duration_minutes: DurationMinutes = None
    note: CheckinNote | None = None
    severity: Severity = DEFAULT_SEVERITY
    category: Category = DEFAULT_CATEGORY


class CheckinExtend(StrictInput):
    """A new due time, counted from now: exactly one of ``due_at`` and ``duration_minutes``."""

    due_at: DueAt = None
    duration_minutes: DurationMinutes = None


class CheckinRead(ReadModel):
    id: UUID
    organization_id: UUID
    user_id: UUID
    status: CheckinStatus
    due_at: datetime
    note: str | None
    severity: Severity
    category: Category
    lat: float
    lon: float
    accuracy_m: float | None
    located_at: datetime
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cancelled_by_id: UUID | None
    expired_at: datetime | None
    alert_id: UUID | None = Field(description="The SOS raised when the timer ran out")
    version: int
