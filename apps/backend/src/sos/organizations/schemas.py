from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, field_validator, model_validator

from sos.core.schemas import ReadModel, StrictInput

_ZONES = frozenset(available_timezones() - {"localtime", "posixrules", "Factory"})


def _iana_zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError("must be an IANA time zone such as 'Europe/Berlin' or 'UTC'")
    return value


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_iana_zone)]


class OrganizationRead(ReadModel):
    id: UUID
    name: str
    slug: str
    timezone: str
    created_at: datetime
    updated_at: datetime
    version: int


class OrganizationUpdate(StrictInput):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    timezone: TimeZone | None = None

    @field_validator("name", "timezone")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _meaningful(self) -> OrganizationUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one of name, timezone")
        return self
