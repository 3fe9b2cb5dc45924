"""Tables of this domain."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Double, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.alerts.domain import Category, Severity
from sos.checkins.domain import CheckinStatus
from sos.core.db import Base, IdMixin, TimestampMixin
from sos.core.enums import str_enum


class CheckinTimer(IdMixin, TimestampMixin, Base):
    """A safety timer ("check on me by 22:30"): unless cancelled or extended in time, it raises an SOS with the last
    known location. The person keeps that location current while the timer runs."""

    __tablename__ = "checkin_timers"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", "idempotency_key"),
        Index("ix_checkin_timers_status_due", "status", "due_at"),
        Index("ix_checkin_timers_org_status_id", "organization_id", "status", "id"),
        Index("ix_checkin_timers_user_id", "user_id", "id"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[CheckinStatus] = mapped_column(str_enum(CheckinStatus))
    due_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity))
    category: Mapped[Category] = mapped_column(str_enum(Category))
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    located_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expired_at: Mapped[datetime | None]
    alert_id: Mapped[UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
