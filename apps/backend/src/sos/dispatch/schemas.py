from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, field_validator

from sos.alerts.domain import AlertStatus, Category, Severity
from sos.core.schemas import LocationRead, Note, ReadModel, StrictInput
from sos.dispatch.domain import (
    DEFAULT_MAX_OFFERS,
    DEFAULT_OFFER_TIMEOUT_SECONDS,
    DEFAULT_RADIUS_KM,
    MAX_MAX_OFFERS,
    MAX_OFFER_TIMEOUT_SECONDS,
    MAX_RADIUS_KM,
    MIN_MAX_OFFERS,
    MIN_OFFER_TIMEOUT_SECONDS,
    ChainStatus,
    DispatchMode,
    OfferMode,
    OfferStatus,
    RankedBy,
)
from sos.responders.domain import Availability
from sos.responders.schemas import Skills

OfferTimeout = Annotated[
    int,
    Field(
        strict=True,
        ge=MIN_OFFER_TIMEOUT_SECONDS,
        le=MAX_OFFER_TIMEOUT_SECONDS,
        description="Seconds the responder has to accept before the offer expires",
    ),
]
RadiusKm = Annotated[float, Field(gt=0, le=MAX_RADIUS_KM, description="How far from the alert to look, in km")]


def _unique(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


class DispatchSettingsIn(StrictInput):
    """A team's whole dispatch settings; a field left out takes its default."""

    mode: DispatchMode = Field(
        default=DispatchMode.SUGGEST,
        description="suggest: coordinators choose from ranked candidates; auto: assigning the team offers the alert "
        "to its nearest available member, then the next-nearest",
    )
    offer_timeout_seconds: OfferTimeout = DEFAULT_OFFER_TIMEOUT_SECONDS
    required_skills: Skills = Field(default_factory=list, description="Every offered responder has all of these")
    max_offers: int = Field(
        default=DEFAULT_MAX_OFFERS,
        strict=True,
        ge=MIN_MAX_OFFERS,
        le=MAX_MAX_OFFERS,
        description="Offers an auto-dispatch makes before it gives up",
    )
    radius_km: RadiusKm = DEFAULT_RADIUS_KM

    @field_validator("required_skills")
    @classmethod
    def _unique_skills(cls, value: list[str]) -> list[str]:
        return _unique(value)


class DispatchSettingsRead(ReadModel):
    team_id: UUID
    mode: DispatchMode
    offer_timeout_seconds: int
    required_skills: list[str]
    max_offers: int
    radius_km: float
    updated_at: datetime | None = Field(description="null while the team uses the defaults")
    version: int = Field(description="0 while the team uses the defaults")


class Origin(ReadModel):
    lat: float
    lon: float


class ResponderSummary(ReadModel):
    user_id: UUID
    full_name: str
    skills: list[str]
    availability: Availability
    team_ids: list[UUID]
    last_location: LocationRead | None


class CandidateRead(ReadModel):
    responder: ResponderSummary
    rank: int = Field(description="1 is the best candidate")
    distance_m: float = Field(description="Straight-line (great-circle) distance to the alert")
    eta_seconds: float | None = Field(description="Road travel time to the alert, when a routing service answered")
    matched_skills: list[str]
    reason: str
    engaged_alert_id: UUID | None = Field(
        description="Set when the responder is already held for this alert (a pending or accepted offer)"
    )


class CandidatesRead(ReadModel):
    items: list[CandidateRead]
    ranked_by: RankedBy
    origin: Origin
    radius_km: float
    location_max_age_minutes: int = Field(
        description="Only responders whose last location is at most this old are ranked "
        "(SOS_DISPATCH_LOCATION_MAX_AGE_MINUTES)"
    )
    routing_note: str | None = Field(
        default=None, description="Why the ranking is by distance although a routing service is configured"
    )


class OfferCreate(StrictInput):
    responder_id: UUID
    timeout_seconds: OfferTimeout | None = None


class AutoDispatchIn(StrictInput):
    skills: Skills | None = Field(default=None, description="Required skills; defaults to the team's")
    team_id: UUID | None = Field(default=None, description="Only this team's members, with its dispatch settings")
    timeout_seconds: OfferTimeout | None = Field(default=None, description="Defaults to the team's, else 60")

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value) if value is not None else None


class DeclineIn(StrictInput):
    reason: Note | None = None


class OfferRead(ReadModel):
    id: UUID
    alert_id: UUID
    responder_id: UUID
    team_id: UUID | None
    chain_id: UUID | None
    mode: OfferMode
    rank: int | None
    distance_m: float | None
    eta_seconds: float | None
    skills: list[str]
    reason: str
    status: OfferStatus
    offered_by_id: UUID | None
    offered_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decline_reason: str | None


class ChainRead(ReadModel):
    id: UUID
    alert_id: UUID
    team_id: UUID | None
    skills: list[str]
    timeout_seconds: int
    max_offers: int
    radius_km: float
    status: ChainStatus
    offers_made: int
    started_by_id: UUID | None
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    current_offer: OfferRead | None


class AlertSummary(ReadModel):
    """What a responder needs to decide on an offer for an alert not yet assigned to them."""

    id: UUID
    status: AlertStatus
    severity: Severity
    category: Category
    lat: float
    lon: float
    created_at: datetime


class MyOfferRead(OfferRead):
    alert: AlertSummary
