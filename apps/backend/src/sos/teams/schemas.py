from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from sos.core.schemas import ReadModel, StrictInput
from sos.teams.domain import TeamRole

TeamName = Annotated[str, Field(min_length=1, max_length=120)]
Description = Annotated[str, Field(max_length=2000)]


class TeamRead(ReadModel):
    id: UUID
    organization_id: UUID
    parent_id: UUID | None
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class TeamCreate(StrictInput):
    name: TeamName
    description: Description | None = None
    parent_id: UUID | None = None


class TeamUpdate(StrictInput):
    name: TeamName | None = None
    description: Description | None = Field(default=None, description="null clears it")
    parent_id: UUID | None = Field(default=None, description="null makes it a top-level team")

    @field_validator("name")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _meaningful(self) -> TeamUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one of name, description, parent_id")
        return self


class TeamMemberPut(StrictInput):
    role: TeamRole = TeamRole.MEMBER


class TeamMemberRead(ReadModel):
    team_id: UUID
    user_id: UUID
    role: TeamRole
    full_name: str
    email: str
    added_at: datetime
