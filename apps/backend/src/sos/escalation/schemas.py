from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, model_validator

from sos.core.schemas import ReadModel, StrictInput
from sos.escalation.domain import (
    MAX_DELAY_MINUTES,
    MAX_REPEAT_COUNT,
    MAX_TARGETS_PER_TIER,
    MAX_TIERS,
    MIN_DELAY_MINUTES,
    TargetKind,
)

PolicyName = Annotated[str, Field(min_length=1, max_length=120)]
Description = Annotated[str, Field(max_length=2000)]


class UserTarget(StrictInput):
    kind: Literal[TargetKind.USER]
    user_id: UUID = Field(description="An active, non-reporter member of the organization")

    @property
    def reference(self) -> UUID:
        return self.user_id


class TeamTarget(StrictInput):
    kind: Literal[TargetKind.TEAM]
    team_id: UUID = Field(description="Every current member of the team")

    @property
    def reference(self) -> UUID:
        return self.team_id


class ScheduleTarget(StrictInput):
    kind: Literal[TargetKind.SCHEDULE]
    schedule_id: UUID = Field(description="Whoever is on call on the schedule when the tier runs")

    @property
    def reference(self) -> UUID:
        return self.schedule_id


Target = Annotated[UserTarget | TeamTarget | ScheduleTarget, Field(discriminator="kind")]


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
        seen: set[tuple[str, UUID]] = set()
        for target in self.targets:
            key = (target.kind.value, target.reference)
            if key in seen:
                raise ValueError(f"targets name {target.kind.value} {target.reference} more than once")
            seen.add(key)
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
