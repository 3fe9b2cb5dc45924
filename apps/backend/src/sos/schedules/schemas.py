from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from typing import Annotated, Literal, Self
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, NaiveDatetime, model_validator

from sos.core.schemas import MIN_YEAR, ReadModel, StrictInput, Timestamp
from sos.schedules.domain import MAX_WINDOW, OverrideKind, RotationKind, ShiftSource

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Description = Annotated[str, Field(max_length=2000)]
_MAX_LOCAL_YEAR = 2100


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(f"unknown IANA time zone {name!r}; use a name such as 'Europe/Berlin'")
    return name


def _in_range(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= _MAX_LOCAL_YEAR:
        raise ValueError(f"the time must fall between {MIN_YEAR} and {_MAX_LOCAL_YEAR}")
    return value.replace(microsecond=0)


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local time of day takes no offset; the schedule's time zone applies")
    return value.replace(microsecond=0)


TimeZoneName = Annotated[str, AfterValidator(_known_zone), Field(examples=["Europe/Berlin"])]
LocalDateTime = Annotated[
    NaiveDatetime,
    AfterValidator(_in_range),
    Field(
        description="Wall-clock time in the schedule's time zone, without an offset, to the second",
        examples=["2026-03-01T09:00"],
    ),
]
LocalTime = Annotated[time, AfterValidator(_naive_time), Field(examples=["09:00"])]


class RestrictionIn(StrictInput):
    weekdays: list[Weekday] = Field(min_length=1, max_length=7, description="The days the window starts on")
    start: LocalTime
    end: LocalTime = Field(description="A window whose end is not after its start runs past midnight")


class LayerIn(StrictInput):
    name: Name
    priority: int = Field(default=0, ge=0, le=1000, description="Higher wins where layers overlap")
    rotation: RotationKind
    members: list[UUID] = Field(min_length=1, max_length=100, description="Users in rotation order")
    starts_at: LocalDateTime
    ends_at: LocalDateTime | None = None
    handoff_time: LocalTime | None = Field(
        default=None, description="Daily and weekly: local hand-off time; defaults to the time of starts_at"
    )
    handoff_weekday: Weekday | None = Field(
        default=None, description="Weekly: the hand-off day; defaults to the weekday of starts_at"
    )
    shift_length_hours: int | None = Field(
        default=None, ge=1, le=24 * 28, description="Custom: shift length in absolute hours"
    )
    restrictions: list[RestrictionIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.rotation is RotationKind.CUSTOM and self.shift_length_hours is None:
            raise ValueError("a custom rotation needs shift_length_hours")
        if self.rotation is not RotationKind.CUSTOM and self.shift_length_hours is not None:
            raise ValueError("shift_length_hours applies to custom rotations only")
        if self.rotation is not RotationKind.WEEKLY and self.handoff_weekday is not None:
            raise ValueError("handoff_weekday applies to weekly rotations only")
        if self.rotation is RotationKind.CUSTOM and self.handoff_time is not None:
            raise ValueError("a custom rotation hands off every shift_length_hours from starts_at, not at handoff_time")
        return self


class ScheduleIn(StrictInput):
    name: Name
    description: Description | None = None
    time_zone: TimeZoneName
    team_id: UUID | None = None
    layers: list[LayerIn] = Field(default_factory=list, max_length=20)


class RestrictionRead(ReadModel):
    weekdays: list[Weekday]
    start: time
    end: time


class LayerRead(ReadModel):
    id: UUID
    name: str
    priority: int
    rotation: RotationKind
    members: list[UUID]
    starts_at: datetime
    ends_at: datetime | None
    handoff_time: time | None
    handoff_weekday: Weekday | None
    shift_length_hours: int | None
    restrictions: list[RestrictionRead]


class ScheduleRead(ReadModel):
    id: UUID
    organization_id: UUID
    name: str
    description: str | None
    time_zone: str
    team_id: UUID | None
    layers: list[LayerRead]
    version: int
    created_at: datetime
    updated_at: datetime


class OverrideIn(StrictInput):
    user_id: UUID = Field(description="Who is on call instead during the window")
    starts_at: Timestamp
    ends_at: Timestamp

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > MAX_WINDOW:
            raise ValueError(f"an override lasts at most {MAX_WINDOW.days} days")
        return self


class SwapIn(OverrideIn):
    swap_of_user_id: UUID | None = Field(
        default=None, description="Who hands the shift over; defaults to the caller, who must be on call throughout"
    )


class OverrideRead(ReadModel):
    id: UUID
    schedule_id: UUID
    kind: OverrideKind
    user_id: UUID
    swap_of_user_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    created_by: UUID | None
    created_at: datetime


class ShiftRead(ReadModel):
    user_id: UUID
    starts_at: datetime
    ends_at: datetime
    source: ShiftSource
    layer_id: UUID | None
    override_id: UUID | None


class ShiftsRead(ReadModel):
    schedule_id: UUID
    start: datetime
    end: datetime
    shifts: list[ShiftRead]


class OnCallRead(ReadModel):
    schedule_id: UUID
    at: datetime
    user_ids: list[UUID]
    shift: ShiftRead | None = Field(description="The running shift, clipped to 35 days either side of `at`")


class FeedTokenRead(ReadModel):
    url: str = Field(description="Subscribe to this URL in a calendar app; issuing a new one revokes the old URL")
    created_at: datetime
