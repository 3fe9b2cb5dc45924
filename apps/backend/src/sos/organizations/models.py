from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, TimestampMixin


class Organization(IdMixin, TimestampMixin, Base):
    """A tenant: every other row belongs to exactly one organization."""

    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    version: Mapped[int] = mapped_column(default=1)
