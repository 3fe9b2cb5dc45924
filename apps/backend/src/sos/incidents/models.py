from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sos.alerts.domain import Severity
from sos.core.db import Base, IdMixin, TimestampMixin
from sos.core.enums import str_enum
from sos.incidents.domain import IncidentStatus


class Incident(IdMixin, TimestampMixin, Base):
    """Groups related alerts under one commander and one timeline."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_org_id", "organization_id", "id"),
        Index("ix_incidents_org_status_id", "organization_id", "status", "id"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    status: Mapped[IncidentStatus] = mapped_column(str_enum(IncidentStatus))
    commander_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
