"""Tables of this domain."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, utcnow


class NotificationProvider(IdMixin, Base):
    """An organization's account with a delivery provider: SMTP, Twilio, an SMS gateway, FCM or APNs."""

    __tablename__ = "notification_providers"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    """Lower goes first; the next provider of a channel takes over when one fails."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, object]] = mapped_column(JSON)
    """Non-secret configuration, validated by the kind's settings model."""
    secrets: Mapped[str | None] = mapped_column(Text)
    """Encrypted JSON of the kind's secrets model (API keys, passwords, service accounts); never returned."""
    rate_limit_per_second: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InstallKey(Base):
    """A key this install made for itself, such as its VAPID key pair for Web Push; private parts encrypted."""

    __tablename__ = "install_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    public: Mapped[str] = mapped_column(String(200))
    private: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
