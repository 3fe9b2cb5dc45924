from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from sos.alerts.domain import Severity
from sos.core.schemas import ReadModel, StrictInput
from sos.incidents.domain import IncidentAction, IncidentStatus, allowed_actions

Title = Annotated[str, Field(min_length=1, max_length=200)]
Summary = Annotated[str, Field(min_length=1, max_length=4000)]
AlertIds = Annotated[list[UUID], Field(max_length=100, description="Alerts to group under the incident")]


class IncidentCreate(StrictInput):
    title: Title
    summary: Summary | None = None
    severity: Severity | None = Field(
        default=None, description="Defaults to the highest severity of its alerts, or high without alerts."
    )
    commander_id: UUID | None = Field(default=None, description="An active admin, coordinator or responder")
    alert_ids: AlertIds = Field(default_factory=list)


class IncidentUpdate(StrictInput):
    """Only the fields sent change; ``summary`` and ``commander_id`` may be set to null to clear them."""

    title: Title | None = None
    summary: Summary | None = None
    severity: Severity | None = None
    commander_id: UUID | None = None

    @field_validator("title", "severity")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be changed but not cleared")
        return value

    @model_validator(mode="after")
    def _meaningful(self) -> IncidentUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one of title, summary, severity, commander_id")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class MergeAlerts(StrictInput):
    alert_ids: AlertIds = Field(min_length=1)


class IncidentRead(ReadModel):
    id: UUID
    organization_id: UUID
    title: str
    summary: str | None
    severity: Severity
    status: IncidentStatus
    commander_id: UUID | None
    created_by_id: UUID | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    version: int
    alert_ids: list[UUID] = Field(default_factory=list, description="Its alerts that are visible to you")
    allowed_actions: list[IncidentAction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _actions(self) -> IncidentRead:
        self.allowed_actions = allowed_actions(self.status)
        return self
