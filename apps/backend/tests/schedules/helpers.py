"""Builders for the pure-domain schedule tests."""

from __future__ import annotations

from datetime import UTC, datetime, time
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from sos.core.ids import new_id
from sos.schedules.domain import Layer, Override, OverrideKind, Restriction, RotationKind, Schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ALICE, BOB, CAROL, DAVE = (UUID(int=n) for n in range(1, 5))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def layer(
    rotation: RotationKind,
    starts_at: datetime,
    *,
    members: tuple[UUID, ...] = (ALICE, BOB),
    handoff_time: time | None = None,
    handoff_weekday: int | None = None,
    shift_length_hours: int | None = None,
    priority: int = 0,
    ends_at: datetime | None = None,
    restrictions: tuple[Restriction, ...] = (),
    position: int = 0,
) -> Layer:
    return Layer(
        id=uuid4(),
        priority=priority,
        rotation=rotation,
        members=members,
        starts_at=starts_at,
        handoff_time=handoff_time if handoff_time is not None else starts_at.time(),
        handoff_weekday=handoff_weekday,
        shift_length_hours=shift_length_hours,
        ends_at=ends_at,
        restrictions=restrictions,
        position=position,
    )


def override(user_id: UUID, starts_at: datetime, ends_at: datetime, *, swap_of: UUID | None = None) -> Override:
    kind = OverrideKind.SWAP if swap_of else OverrideKind.OVERRIDE
    return Override(
        id=new_id(), user_id=user_id, starts_at=starts_at, ends_at=ends_at, kind=kind, swap_of_user_id=swap_of
    )


def schedule(zone: ZoneInfo, *layers: Layer, overrides: tuple[Override, ...] = ()) -> Schedule:
    return Schedule(zone=zone, layers=layers, overrides=overrides)
