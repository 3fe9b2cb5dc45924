from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from sos.alerts.domain import AlertAction, AlertStatus, Category, Severity, SourceChannel, actions_for
from sos.auth.principal import Principal
from sos.core.schemas import LocationIn, Note, ReadModel, StrictInput


class AlertCreate(StrictInput):
    location: LocationIn
    note: Note | None = None
    category: Category = Category.OTHER
    severity: Severity = Severity.CRITICAL
    source: SourceChannel = SourceChannel.APP


class AlertRead(ReadModel):
    id: UUID
    organization_id: UUID
    reporter_id: UUID
    incident_id: UUID | None
    status: AlertStatus
    severity: Severity
    category: Category
    source: SourceChannel
    note: str | None
    lat: float
    lon: float
    accuracy_m: float | None
    located_at: datetime
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: UUID | None
    dispatched_at: datetime | None
    dispatched_by_id: UUID | None
    on_scene_at: datetime | None
    resolved_at: datetime | None
    resolved_by_id: UUID | None
    cancelled_at: datetime | None
    cancelled_by_id: UUID | None
    reopened_at: datetime | None
    version: int
    allowed_actions: list[AlertAction] = Field(
        default_factory=list,
        description="The actions the caller may take now, given the status, their role and, for a responder, "
        "whether the alert is assigned to them",
    )

    @classmethod
    def from_row(cls, row: Mapping[Any, Any], principal: Principal) -> AlertRead:
        """Builds the read model from a database row without re-validating it: rows are typed by their columns.
        ``allowed_actions`` lists what this caller may do now; a responder's row carries ``assigned_to_me``."""
        fields = {name: row[name] for name in _ROW_FIELDS}
        actions = actions_for(
            AlertStatus(fields["status"]),
            principal.role,
            own=fields["reporter_id"] == principal.user_id,
            assigned=bool(row.get(ASSIGNED_TO_ME, False)),
        )
        return cls.model_construct(**fields, allowed_actions=actions)


ASSIGNED_TO_ME = "assigned_to_me"
_ROW_FIELDS = tuple(name for name in AlertRead.model_fields if name != "allowed_actions")


class AssignmentCreate(StrictInput):
    responder_ids: list[UUID] = Field(default_factory=list, max_length=50)
    team_ids: list[UUID] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _not_empty(self) -> AssignmentCreate:
        if not self.responder_ids and not self.team_ids:
            raise ValueError("name at least one responder or team")
        return self


class AssignmentRead(ReadModel):
    id: UUID
    alert_id: UUID
    responder_id: UUID | None
    team_id: UUID | None
    assigned_by_id: UUID | None
    assigned_at: datetime


class AlertFilters(StrictInput):
    status: list[AlertStatus] = Field(default_factory=list)
    severity: list[Severity] = Field(default_factory=list)
    team_id: UUID | None = None
    incident_id: UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
