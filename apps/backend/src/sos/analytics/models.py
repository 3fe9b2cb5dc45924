"""Tables of this domain: the analytics projection of the alert lifecycle."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Double, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, utcnow


class AlertResponseMetric(Base):
    """One row per alert: when each lifecycle step first (or, for the end states, last) happened.

    Built from events only, in any order: each column is merged with a commutative statement (earliest or latest
    wins), so a late or repeated event leaves the same row.
    """

    __tablename__ = "alert_response_metrics"
    __table_args__ = (Index("ix_alert_response_metrics_org_triggered", "organization_id", "triggered_at"),)

    alert_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    severity: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(32))
    triggered_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    first_dispatched_at: Mapped[datetime | None]
    on_scene_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    seconds_to_acknowledge: Mapped[float | None] = mapped_column(Double)
    seconds_to_resolve: Mapped[float | None] = mapped_column(Double)
    escalation_steps: Mapped[int] = mapped_column(default=0)
    reopened_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertMetricEvent(Base):
    """The counted events of an alert (escalation steps, reopenings); the counts are recomputed from these rows."""

    __tablename__ = "alert_metric_events"
    __table_args__ = (Index("ix_alert_metric_events_alert_kind", "alert_id", "kind"),)

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alert_response_metrics.alert_id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
