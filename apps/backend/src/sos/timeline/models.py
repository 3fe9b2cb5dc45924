from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, JSONValue


class TimelineEntry(IdMixin, Base):
    """A projection of one domain event onto the timeline of an alert and/or an incident."""

    __tablename__ = "timeline_entries"
    __table_args__ = (
        Index("ix_timeline_entries_alert", "alert_id", "occurred_at"),
        Index("ix_timeline_entries_incident", "incident_id", "occurred_at"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    incident_id: Mapped[UUID | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    event_id: Mapped[UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(96))
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)
