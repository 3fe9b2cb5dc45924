from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from sos.core.schemas import ReadModel, StrictInput
from sos.dispatch.domain import DEFAULT_RADIUS_KM, MAX_RADIUS_KM
from sos.escalation.domain import (
    MAX_DELAY_MINUTES,
    MAX_NEAREST_COUNT,
    MAX_REPEAT_COUNT,
    MAX_TARGETS_PER_TIER,
    MAX_TIERS,
    MIN_DELAY_MINUTES,
    MIN_NEAREST_COUNT,
    TargetKind,
)
from sos.responders.schemas import Skills

PolicyName = Annotated[str, Field(min_length=1, max_length=120)]
Description = Annotated[str, Field(max_length=2000)]


class UserTarget(StrictInput):
    kind: Literal[TargetKind.USER]
    user_id: UUID = Field(description="An active, non-reporter member of the organization")

    @property
    def reference(self) -> UUID:
        return self.user_id

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind.value, self.user_id)


class TeamTarget(StrictInput):
    kind: Literal[TargetKind.TEAM]
    team_id: UUID = Field(description="Every current member of the team")

    @property
    def reference(self) -> UUID:
        return self.team_id

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind.value, self.team_id)


class ScheduleTarget(StrictInput):
    kind: Literal[TargetKind.SCHEDULE]
    schedule_id: UUID = Field(description="Whoever is on call on the schedule when the tier runs")

    @property
    def reference(self) -> UUID:
        return self.schedule_id

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind.value, self.schedule_id)


class NearestRespondersTarget(StrictInput):
    kind: Literal[TargetKind.NEAREST_RESPONDERS]
    count: int = Field(
        strict=True,
        ge=MIN_NEAREST_COUNT,
        le=MAX_NEAREST_COUNT,
        description="How many of the nearest available responders the step pages and assigns",
    )
    team_id: UUID | None = Field(default=None, description="Only members of this team")
    skills: Skills = Field(default_factory=list, description="Only responders with all of these skills")
    radius_km: float | None = Field(
        default=None, gt=0, le=MAX_RADIUS_KM, description=f"How far from the alert to look; {DEFAULT_RADIUS_KM:g} km"
    )

    @field_validator("skills")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @property
    def reference(self) -> UUID | None:
        return self.team_id

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind.value, self.team_id, tuple(sorted(self.skills)), self.radius_km)


Target = Annotated[UserTarget | TeamTarget | ScheduleTarget | NearestRespondersTarget, Field(discriminator="kind")]


class TierIn(StrictInput):
    delay_minutes: int = Field(
        strict=True,
        ge=MIN_DELAY_MINUTES,
        le=MAX_DELAY_MINUTES,
        description="Minutes to wait after this tier before the next tier (or the next cycle) runs",
    )
    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS_PER_TIER)

    @model_validator(mode="after")
    def _no_duplicate_targets(self) -> TierIn:
        seen: set[tuple[Any, ...]] = set()
        for target in self.targets:
            if target.key in seen:
                what = target.kind.value if target.reference is None else f"{target.kind.value} {target.reference}"
                raise ValueError(f"targets name {what} more than once")
            seen.add(target.key)
        return self


class PolicyIn(StrictInput):
    """A whole policy: creating one and replacing one take the same body."""

    name: PolicyName
    description: Description | None = None
    team_id: UUID | None = Field(default=None, description="The team this policy belongs to; a team has at most one")
    repeat_count: int = Field(
        default=0, strict=True, ge=0, le=MAX_REPEAT_COUNT, description="How many more times the policy runs"
    )
    is_default: bool = Field(default=False, description="Start this policy for every new SOS of the organization")
    tiers: list[TierIn] = Field(min_length=1, max_length=MAX_TIERS)


class TierRead(ReadModel):
    position: int
    delay_minutes: int
    targets: list[Target]


class PolicyRead(ReadModel):
    id: UUID
    organization_id: UUID
    team_id: UUID | None
    name: str
    description: str | None
    repeat_count: int
    is_default: bool
    tiers: list[TierRead]
    created_at: datetime
    updated_at: datetime
    version: int
