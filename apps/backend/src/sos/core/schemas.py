"""Schema building blocks shared by the domains."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# Strict: a coordinate sent as a string or a boolean is a client bug, not something to coerce.
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, description="WGS 84 latitude in degrees")]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, description="WGS 84 longitude in degrees")]
AccuracyMetres = Annotated[
    float, Field(strict=True, ge=0, le=100_000, description="Horizontal accuracy radius in metres")
]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


MIN_YEAR, MAX_YEAR = 1970, 2100


def utc_in_range(value: datetime) -> datetime:
    """Normalises to UTC and refuses times no device or query could mean (and that overflow on conversion)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"the time must fall between {MIN_YEAR} and {MAX_YEAR}") from exc
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"the time must fall between {MIN_YEAR} and {MAX_YEAR}")
    return utc


Timestamp = Annotated[AwareDatetime, AfterValidator(utc_in_range)]


def refuse_nul(value: Any) -> Any:
    """PostgreSQL cannot store NUL in text; refusing it here makes it a 422 on the field instead of a 500."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, list | tuple):
        for item in value:
            refuse_nul(item)
    return value


class StrictInput(BaseModel):
    """Request bodies reject unknown fields, so a typo is an error instead of silently ignored data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LocationIn(StrictInput):
    lat: Latitude
    lon: Longitude
    accuracy_m: AccuracyMetres | None = None
    recorded_at: Timestamp | None = Field(
        default=None, description="When the device took the fix; defaults to when the server received it."
    )


class LocationRead(ReadModel):
    lat: float
    lon: float
    accuracy_m: float | None
    recorded_at: datetime


class TransitionIn(StrictInput):
    note: Note | None = None
