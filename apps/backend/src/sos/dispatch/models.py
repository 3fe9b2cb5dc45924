"""Dispatch tables: each team's dispatch settings, auto-dispatch chains, offers, and the engagement that holds a
responder for one open alert at a time."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sos.core.db import Base, IdMixin, JSONValue, utcnow
from sos.core.enums import str_enum
from sos.dispatch.domain import ChainStatus, DispatchMode, EngagementSource, OfferMode, OfferStatus


class TeamDispatchSettings(Base):
    """How a team is dispatched; a team without a row uses the defaults (suggest mode)."""

    __tablename__ = "team_dispatch_settings"
    __table_args__ = (
        CheckConstraint("offer_timeout_seconds >= 10 AND offer_timeout_seconds <= 600", name="offer_timeout_range"),
        CheckConstraint("max_offers >= 1 AND max_offers <= 50", name="max_offers_range"),
        CheckConstraint("radius_km > 0 AND radius_km <= 20000", name="radius_range"),
    )

    team_id: Mapped[UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    mode: Mapped[DispatchMode] = mapped_column(str_enum(DispatchMode))
    offer_timeout_seconds: Mapped[int] = mapped_column(Integer)
    required_skills: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    max_offers: Mapped[int] = mapped_column(Integer)
    radius_km: Mapped[float] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class DispatchChain(IdMixin, Base):
    """One auto-dispatch of an alert: offers go to the nearest responder not yet tried, one at a time, until one
    accepts, ``max_offers`` have been made, or nobody is left; ``current_offer_id`` is the pending one."""

    __tablename__ = "dispatch_chains"
    __table_args__ = (Index("ix_dispatch_chains_alert_status", "alert_id", "status"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    team_id: Mapped[UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    skills: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    timeout_seconds: Mapped[int] = mapped_column(Integer)
    max_offers: Mapped[int] = mapped_column(Integer)
    radius_km: Mapped[float] = mapped_column(Double)
    status: Mapped[ChainStatus] = mapped_column(str_enum(ChainStatus))
    offers_made: Mapped[int] = mapped_column(Integer, default=0)
    current_offer_id: Mapped[UUID | None]
    started_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)


class DispatchOffer(IdMixin, Base):
    """An alert offered to one responder until ``expires_at``; ``reason`` says why them, as the timeline shows it."""

    __tablename__ = "dispatch_offers"
    __table_args__ = (
        Index("ix_dispatch_offers_due", "status", "expires_at"),
        Index("ix_dispatch_offers_alert", "alert_id", "offered_at"),
        Index("ix_dispatch_offers_responder", "responder_id", "status"),
    )

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    responder_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[UUID | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    chain_id: Mapped[UUID | None] = mapped_column(ForeignKey("dispatch_chains.id", ondelete="CASCADE"), index=True)
    mode: Mapped[OfferMode] = mapped_column(str_enum(OfferMode))
    rank: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[float | None] = mapped_column(Double)
    eta_seconds: Mapped[float | None] = mapped_column(Double)
    skills: Mapped[list[str]] = mapped_column(JSONValue, default=list)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus))
    offered_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)


class ResponderEngagement(Base):
    """Holds a responder for one open alert: a pending or accepted offer, or a ``nearest_responders`` escalation
    step. The primary key is the responder, so a second engagement of the same person cannot be inserted: of two
    concurrent dispatches, the one that loses the insert moves on to its next candidate."""

    __tablename__ = "responder_engagements"

    responder_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    alert_id: Mapped[UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[UUID | None] = mapped_column(index=True)
    """The offer holding the responder (no foreign key: the engagement is taken before the offer row is written)."""
    source: Mapped[EngagementSource] = mapped_column(str_enum(EngagementSource))
    engaged_at: Mapped[datetime]
