"""Schema building blocks shared by the domains."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Strict: a coordinate sent as a string or a boolean is a client bug, not something to coerce.
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, description="WGS 84 latitude in degrees")]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, description="WGS 84 longitude in degrees")]
AccuracyMetres = Annotated[
    float, Field(strict=True, ge=0, le=100_000, description="Horizontal accuracy radius in metres")
]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


class StrictInput(BaseModel):
    """Request bodies reject unknown fields, so a typo is an error instead of silently ignored data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LocationIn(StrictInput):
    lat: Latitude
    lon: Longitude
    accuracy_m: AccuracyMetres | None = None
    recorded_at: AwareDatetime | None = Field(
        default=None, description="When the device took the fix; defaults to when the server received it."
    )


class LocationRead(ReadModel):
    lat: float
    lon: float
    accuracy_m: float | None
    recorded_at: datetime


class TransitionIn(StrictInput):
    note: Note | None = None
