from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field, field_validator, model_validator

from sos.core.schemas import LocationRead, ReadModel, StrictInput
from sos.responders.domain import Availability


def _normalized(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Skill = Annotated[
    str,
    BeforeValidator(_normalized),
    Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,47}$", description="A short slug such as 'first_aid'"),
]
Skills = Annotated[list[Skill], Field(max_length=50)]


class ResponderRead(ReadModel):
    """A responder's profile. ``version`` (the ETag) covers skills and availability, not location fixes."""

    user_id: UUID
    organization_id: UUID
    full_name: str
    email: str
    phone: str | None
    skills: list[str]
    availability: Availability
    availability_changed_at: datetime
    last_location: LocationRead | None
    team_ids: list[UUID]
    updated_at: datetime
    version: int


class ResponderUpdate(StrictInput):
    skills: Skills | None = None
    availability: Availability | None = None

    @field_validator("skills", "availability")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @field_validator("skills")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _meaningful(self) -> ResponderUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one of skills, availability")
        return self


class AvailabilityUpdate(StrictInput):
    availability: Availability


class ResponderFilters(BaseModel):
    availability: list[Availability] = Field(default_factory=list)
    skill: str | None = None
    team_id: UUID | None = None
