from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Double, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.alerts.domain import AlertStatus, Category, Severity, SourceChannel
from sos.core.db import Base, IdMixin, TimestampMixin, utcnow
from sos.core.enums import str_enum


class Alert(IdMixin, TimestampMixin, Base):
    """An SOS. ``created_at`` is when it was triggered; each transition stamps its own time and actor."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("organization_id", "reporter_id", "idempotency_key"),
        Index("ix_alerts_org_status_id", "organization_id", "status", "id"),
        Index("ix_alerts_org_id", "organization_id", "id"),
        Index("ix_alerts_reporter_id", "reporter_id", "id"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    reporter_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    incident_id: Mapped[UUID | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[AlertStatus] = mapped_column(str_enum(AlertStatus))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    category: Mapped[Category] = mapped_column(str_enum(Category))
    source: Mapped[SourceChannel] = mapped_column(str_enum(SourceChannel))
    note: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    located_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dispatched_at: Mapped[datetime | None]
    dispatched_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    on_scene_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reopened_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class AlertLocation(IdMixin, Base):
    """One point of the trail of the person in danger."""

    __tablename__ = "alert_locations"
    __table_args__ = (
        Index("ix_alert_locations_alert_time", "alert_id", "recorded_at"),
        # Retention deletes by age across every alert.
        Index("ix_alert_locations_recorded_at", "recorded_at"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    recorded_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertAssignment(IdMixin, Base):
    """A responder or a team sent to an alert."""

    __tablename__ = "alert_assignments"
    __table_args__ = (
        UniqueConstraint("alert_id", "responder_id"),
        UniqueConstraint("alert_id", "team_id"),
        CheckConstraint(
            "(responder_id IS NULL) <> (team_id IS NULL)",
            name="one_target",
        ),
        Index("ix_alert_assignments_responder", "responder_id"),
        Index("ix_alert_assignments_team", "team_id"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    responder_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
