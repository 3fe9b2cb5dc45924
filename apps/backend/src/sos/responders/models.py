from datetime import datetime
from uuid import UUID

from sqlalchemy import Double, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, JSONValue, TimestampMixin, utcnow
from sos.core.enums import str_enum
from sos.responders.domain import Availability


class ResponderProfile(IdMixin, TimestampMixin, Base):
    __tablename__ = "responder_profiles"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        # The nearest-responder search: available responders of one organization inside a latitude band, with the
        # longitude checked from the index too.
        Index("ix_responder_profiles_dispatch", "organization_id", "availability", "last_lat", "last_lon"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    skills: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    availability: Mapped[Availability] = mapped_column(str_enum(Availability))
    availability_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_lat: Mapped[float | None] = mapped_column(Double)
    last_lon: Mapped[float | None] = mapped_column(Double)
    last_accuracy_m: Mapped[float | None] = mapped_column(Double)
    last_located_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)


class ResponderLocation(IdMixin, Base):
    __tablename__ = "responder_locations"
    __table_args__ = (
        Index("ix_responder_locations_profile_time", "profile_id", "recorded_at"),
        # Retention deletes by age across every responder.
        Index("ix_responder_locations_recorded_at", "recorded_at"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    profile_id: Mapped[UUID] = mapped_column(ForeignKey("responder_profiles.id", ondelete="CASCADE"))
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    accuracy_m: Mapped[float | None] = mapped_column(Double)
    recorded_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
