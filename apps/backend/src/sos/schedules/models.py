"""Tables of this domain: schedules, their rotation layers and members, overrides and swaps, and feed tokens.

Layer times (``starts_at``, ``ends_at``, ``handoff_time``) are wall-clock times in the schedule's time zone and are
stored without an offset; override windows are UTC instants like every other timestamp.
"""

from datetime import datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, JSONValue, TimestampMixin, utcnow
from sos.core.enums import str_enum
from sos.schedules.domain import OverrideKind, RotationKind


class OnCallSchedule(IdMixin, TimestampMixin, Base):
    __tablename__ = "oncall_schedules"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    time_zone: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(default=1)


class ScheduleLayer(IdMixin, Base):
    __tablename__ = "schedule_layers"

    schedule_id: Mapped[UUID] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    priority: Mapped[int]
    rotation: Mapped[RotationKind] = mapped_column(str_enum(RotationKind))
    shift_length_hours: Mapped[int | None]
    handoff_time: Mapped[time] = mapped_column(Time())
    handoff_weekday: Mapped[int | None]
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)


class LayerMember(Base):
    __tablename__ = "layer_members"

    layer_id: Mapped[UUID] = mapped_column(ForeignKey("schedule_layers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ScheduleOverride(IdMixin, Base):
    """Someone else takes over a window; a swap is an override that names the user it relieves."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (Index("ix_schedule_overrides_window", "schedule_id", "ends_at"),)

    schedule_id: Mapped[UUID] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OverrideKind] = mapped_column(str_enum(OverrideKind))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    swap_of_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OnCallFeedToken(IdMixin, Base):
    """The hash of a calendar-feed token: for one schedule, or for one user's shifts across the organization."""

    __tablename__ = "oncall_feed_tokens"

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[UUID | None] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
