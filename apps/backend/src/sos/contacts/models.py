"""Tables of this domain."""

from datetime import datetime, time
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, utcnow
from sos.core.enums import str_enum
from sos.notifications.domain import NotificationChannel, Urgency


class ContactMethod(IdMixin, Base):
    """A way to reach one user: an email address, a phone number, a push subscription or a chat webhook."""

    __tablename__ = "contact_methods"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", "channel", "address_key"),
        Index("ix_contact_methods_inbound", "channel", "address_key"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    label: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(320))
    """Shown to its owner: the email or E.164 number, or a masked form of a secret address."""
    address_key: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the full address: finds the sender of an inbound SMS and refuses duplicates."""
    secret: Mapped[str | None] = mapped_column(Text)
    """Encrypted parts never shown again: a chat webhook URL, a push subscription's endpoint and keys."""
    details: Mapped[dict[str, str] | None] = mapped_column(JSON)
    """Non-secret facts about a push target, such as the platform and app version."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
    verification_code_hash: Mapped[str | None] = mapped_column(String(64))
    verification_expires_at: Mapped[datetime | None]
    verification_tries: Mapped[int] = mapped_column(Integer, default=0)
    opted_out_at: Mapped[datetime | None]
    """The number replied STOP: nothing is sent to it until the user re-verifies it."""
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    """Why it stopped being used, such as a push token the provider reported unregistered."""


class NotificationRuleStep(IdMixin, Base):
    """One step of a user's notification rule: after ``delay_seconds``, notify on this contact method."""

    __tablename__ = "notification_rule_steps"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "urgency", "position"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency))
    position: Mapped[int] = mapped_column(Integer)
    contact_method_id: Mapped[UUID] = mapped_column(ForeignKey("contact_methods.id", ondelete="CASCADE"), index=True)
    delay_seconds: Mapped[int] = mapped_column(Integer)


class NotificationPreference(Base):
    """A user's quiet hours in one organization."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
