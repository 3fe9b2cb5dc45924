"""Tables of this domain."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, utcnow
from sos.core.enums import str_enum
from sos.notifications.domain import AttemptStatus, NotificationChannel, NotificationStatus


class Notification(IdMixin, Base):
    """One message to one user on one channel, created from a domain event and delivered by a job."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("organization_id", "dedup_key"),
        Index("ix_notifications_inbox", "user_id", "organization_id", "id"),
        Index("ix_notifications_sweep", "status", "enqueued_at"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(96))
    """The type of the event that caused it, such as ``alert.escalated``."""
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(str_enum(NotificationStatus))
    dedup_key: Mapped[str] = mapped_column(String(120))
    """The causing event and the recipient: a redelivered event never creates a second notification."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When its delivery job was last enqueued; the sweeper enqueues it again when it stays pending too long."""
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class NotificationAttempt(IdMixin, Base):
    """One try at delivering a notification on its channel, with the error when it failed."""

    __tablename__ = "notification_attempts"

    notification_id: Mapped[UUID] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    status: Mapped[AttemptStatus] = mapped_column(str_enum(AttemptStatus))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
