from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, utcnow


class Message(IdMixin, Base):
    """A message on exactly one alert or one incident."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("(alert_id IS NULL) <> (incident_id IS NULL)", name="one_subject"),
        Index("ix_messages_alert", "alert_id", "id"),
        Index("ix_messages_incident", "incident_id", "id"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    incident_id: Mapped[UUID | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
