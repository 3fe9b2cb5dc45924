"""Tables of this domain."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, utcnow
from sos.core.enums import str_enum
from sos.notifications.domain import (
    AttemptStatus,
    NotificationChannel,
    NotificationPurpose,
    NotificationStatus,
    Urgency,
)


class Notification(IdMixin, Base):
    """One message to one user on one channel, created from a domain event and delivered by a job."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("organization_id", "dedup_key"),
        Index("ix_notifications_inbox", "user_id", "organization_id", "id"),
        Index("ix_notifications_sweep", "status", "enqueued_at"),
        Index("ix_notifications_due", "status", "due_at"),
        Index("ix_notifications_contact", "contact_method_id", "status"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(96))
    """The type of the event that caused it, such as ``alert.escalated``."""
    purpose: Mapped[NotificationPurpose] = mapped_column(
        str_enum(NotificationPurpose), default=NotificationPurpose.PAGE
    )
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency), default=Urgency.DEFAULT)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    contact_method_id: Mapped[UUID | None] = mapped_column(ForeignKey("contact_methods.id", ondelete="SET NULL"))
    """Where an external notification goes; None for in-app ones."""
    step: Mapped[int] = mapped_column(Integer, default=0)
    """Its position in the user's notification rule; a failed channel brings the next step forward."""
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(str_enum(NotificationStatus))
    dedup_key: Mapped[str] = mapped_column(String(120))
    """The causing event, the recipient and the step: a redelivered event never creates a second notification."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    """Delivery rounds over the channel's providers that ended without any of them accepting it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When it should go out: its rule step's delay, the end of quiet hours, a retry's backoff or an SMS bundle."""
    enqueued_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    """When its delivery job was last enqueued; None while it waits to be due."""
    lease_until: Mapped[datetime | None]
    """While sending: when the job holding it is presumed dead."""
    claim_id: Mapped[UUID | None]
    """Which claim holds it while sending: a job whose lease ran out cannot overwrite a later claim's outcome."""
    bundle_id: Mapped[UUID | None] = mapped_column(index=True)
    """Notifications sent together in one SMS share this id (the id of the first of them)."""
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class NotificationAttempt(IdMixin, Base):
    """One try at delivering a notification through one provider, with its outcome and timings."""

    __tablename__ = "notification_attempts"
    __table_args__ = (
        Index("ix_notification_attempts_provider", "provider_id", "started_at"),
        Index("ix_notification_attempts_message", "provider_id", "provider_message_id"),
    )

    notification_id: Mapped[UUID] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    provider_id: Mapped[UUID | None] = mapped_column(ForeignKey("notification_providers.id", ondelete="SET NULL"))
    provider_kind: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[AttemptStatus] = mapped_column(str_enum(AttemptStatus))
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    """The provider refused it for good (a 4xx): never retried on that provider."""
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None]
    """When the provider's delivery receipt said it reached the handset or device."""
    receipt: Mapped[dict[str, str] | None] = mapped_column(JSON)
    """The provider's last status callback for it, as received (no secrets)."""


class AckToken(IdMixin, Base):
    """A single-use right to acknowledge one alert as one user, carried by a signed link, push action or SMS code."""

    __tablename__ = "ack_tokens"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[UUID | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(12))
    """A short code for "ACK <code>" replies, unique in the organization."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_via: Mapped[str | None] = mapped_column(String(32))
