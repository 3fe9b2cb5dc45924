"""Request and response bodies of location uploads and trails, shared by the responder and alert routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import Field

from sos.core.schemas import (
    AccuracyMetres,
    Latitude,
    LocationIn,
    LocationRead,
    Longitude,
    ReadModel,
    StrictInput,
    Timestamp,
)
from sos.locations.domain import MAX_BATCH_FIXES, Fix


class LocationFixIn(StrictInput):
    """One fix of a batch: a queued fix always says when it was taken and how accurate it was."""

    lat: Latitude
    lon: Longitude
    accuracy_m: AccuracyMetres
    recorded_at: Timestamp = Field(description="When the device took the fix")


class LocationBatchIn(StrictInput):
    fixes: list[LocationFixIn] = Field(
        min_length=1,
        max_length=MAX_BATCH_FIXES,
        description=f"Up to {MAX_BATCH_FIXES} fixes in any order; they are stored oldest first",
    )


class LocationBatchRead(ReadModel):
    stored: int = Field(description="Fixes added to the trail")
    duplicates: int = Field(description="Fixes left out because the trail already had one taken at the same time")
    last_location: LocationRead | None = Field(
        description="The position after the upload; a batch of fixes older than it leaves it where it was"
    )


def fix_of(location: LocationIn | LocationFixIn, *, default_time: datetime) -> Fix:
    return Fix(
        lat=location.lat,
        lon=location.lon,
        accuracy_m=location.accuracy_m,
        recorded_at=location.recorded_at or default_time,
    )


def read_of(fix: Fix) -> LocationRead:
    return LocationRead(lat=fix.lat, lon=fix.lon, accuracy_m=fix.accuracy_m, recorded_at=fix.recorded_at)


Since = Annotated[Timestamp | None, Query(description="Only fixes taken at or after this time")]
Until = Annotated[Timestamp | None, Query(description="Only fixes taken before this time")]
