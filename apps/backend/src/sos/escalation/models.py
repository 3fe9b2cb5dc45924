"""Tables of this domain: policies with their tiers and targets, and the durable escalation state of each alert."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Double, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, JSONValue, TimestampMixin
from sos.core.enums import str_enum
from sos.escalation.domain import EscalationStatus, TargetKind


class EscalationPolicy(IdMixin, TimestampMixin, Base):
    """A team's escalation policy; an organization's default policy starts for every new SOS."""

    __tablename__ = "escalation_policies"
    __table_args__ = (
        UniqueConstraint("team_id"),
        CheckConstraint("repeat_count >= 0 AND repeat_count <= 10", name="repeat_count_range"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    # A deleted team leaves its policy behind as an organization-wide one rather than silently dropping it.
    team_id: Mapped[UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)


class EscalationTier(IdMixin, Base):
    __tablename__ = "escalation_tiers"
    __table_args__ = (
        UniqueConstraint("policy_id", "position"),
        CheckConstraint("delay_minutes >= 1 AND delay_minutes <= 1440", name="delay_range"),
    )

    policy_id: Mapped[UUID] = mapped_column(ForeignKey("escalation_policies.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    delay_minutes: Mapped[int] = mapped_column(Integer)


class EscalationTarget(IdMixin, Base):
    """One user, team or schedule a tier reaches, with exactly the reference its kind names set; or the ``count``
    nearest available responders, optionally of one team (``team_id``), with ``skills``, within ``radius_km``."""

    __tablename__ = "escalation_targets"
    __table_args__ = (
        UniqueConstraint("tier_id", "position"),
        CheckConstraint(
            "(kind = 'nearest_responders' AND user_id IS NULL AND schedule_id IS NULL AND nearest_count IS NOT NULL)"
            " OR ((CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN schedule_id IS NULL THEN 0 ELSE 1 END) = 1)",
            name="one_reference",
        ),
        Index("ix_escalation_targets_user", "user_id"),
        Index("ix_escalation_targets_team", "team_id"),
        Index("ix_escalation_targets_schedule", "schedule_id"),
    )

    tier_id: Mapped[UUID] = mapped_column(ForeignKey("escalation_tiers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[TargetKind] = mapped_column(str_enum(TargetKind))
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Deleting a team or schedule a policy pages is refused: it would silently leave a tier paging nobody.
    team_id: Mapped[UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    schedule_id: Mapped[UUID | None] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="RESTRICT"))
    nearest_count: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[list[str] | None] = mapped_column(JSONValue)
    radius_km: Mapped[float | None] = mapped_column(Double)


class AlertEscalation(IdMixin, Base):
    """Where one alert's escalation stands and when its next step is due; ``next_due_at`` is set while active."""

    __tablename__ = "alert_escalations"
    __table_args__ = (
        UniqueConstraint("alert_id"),
        Index("ix_alert_escalations_due", "status", "next_due_at"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    # A deleted policy stops its escalations first; the row stays as the record of what happened.
    policy_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[EscalationStatus] = mapped_column(str_enum(EscalationStatus))
    tier_index: Mapped[int] = mapped_column(Integer, default=0)
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[datetime | None]
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
