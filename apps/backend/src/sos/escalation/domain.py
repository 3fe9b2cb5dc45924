"""Escalation policies and the state of one alert's escalation, free of I/O.

A policy is a list of tiers run in order; each tier notifies its targets, waits ``delay_minutes``, then hands on to
the next tier. After the last tier the whole policy runs again, ``repeat_count`` more times, and then the escalation
is exhausted. An escalation is active only while its alert is triggered: acknowledging or closing the alert stops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MIN_DELAY_MINUTES = 1
MAX_DELAY_MINUTES = 1440
MAX_REPEAT_COUNT = 10
MAX_TIERS = 20
MAX_TARGETS_PER_TIER = 50


MIN_NEAREST_COUNT = 1
MAX_NEAREST_COUNT = 10


class TargetKind(StrEnum):
    """Who a tier reaches."""

    USER = "user"
    TEAM = "team"
    SCHEDULE = "schedule"
    NEAREST_RESPONDERS = "nearest_responders"
    """The N available responders nearest to the alert (optionally of one team, with given skills) at the step."""


class EscalationStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    STOPPED = "stopped"
    EXHAUSTED = "exhausted"


class StartReason(StrEnum):
    TRIGGERED = "triggered"
    REASSIGNED = "reassigned"
    REOPENED = "reopened"


class StopReason(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    POLICY_DELETED = "policy_deleted"
    EXHAUSTED = "exhausted"


STOPPING_EVENTS: dict[str, StopReason] = {
    "alert.acknowledged": StopReason.ACKNOWLEDGED,
    "alert.dispatched": StopReason.DISPATCHED,
    "alert.on_scene": StopReason.ON_SCENE,
    "alert.resolved": StopReason.RESOLVED,
    "alert.cancelled": StopReason.CANCELLED,
}


def stopped_status(reason: StopReason) -> EscalationStatus:
    """Someone taking the alert on is an acknowledgement; anything else just stops the escalation."""
    if reason in {StopReason.ACKNOWLEDGED, StopReason.DISPATCHED, StopReason.ON_SCENE, StopReason.RESOLVED}:
        return EscalationStatus.ACKNOWLEDGED
    if reason is StopReason.EXHAUSTED:
        return EscalationStatus.EXHAUSTED
    return EscalationStatus.STOPPED


@dataclass(frozen=True, slots=True)
class Position:
    tier: int
    cycle: int


def next_position(current: Position, *, tier_count: int, repeat_count: int) -> Position | None:
    """Where the escalation goes after running ``current``; ``None`` once every tier of every cycle has run."""
    if current.tier + 1 < tier_count:
        return Position(current.tier + 1, current.cycle)
    if current.cycle < repeat_count:
        return Position(0, current.cycle + 1)
    return None
