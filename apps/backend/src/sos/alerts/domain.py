"""The alert lifecycle as an explicit state machine, free of I/O.

triggered ─ack─▶ acknowledged ─dispatch─▶ dispatched ─arrive─▶ on_scene ─resolve─▶ resolved
    │                 │  └──────────resolve──────────┐  │                              │
    └──────cancel─────┴──────────cancel───────────────┴──┴─▶ cancelled     resolved ─reopen─▶ triggered
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from sos.core.state_machine import TransitionNotAllowed
from sos.users.domain import Role


class AlertStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class AlertAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    ARRIVE = "arrive"
    RESOLVE = "resolve"
    CANCEL = "cancel"
    REOPEN = "reopen"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Category(StrEnum):
    MEDICAL = "medical"
    FIRE = "fire"
    CRIME = "crime"
    ACCIDENT = "accident"
    PERSONAL_SAFETY = "personal_safety"
    NATURAL_DISASTER = "natural_disaster"
    OTHER = "other"


class SourceChannel(StrEnum):
    APP = "app"
    WEB = "web"
    SMS = "sms"
    API = "api"
    EMAIL = "email"
    VOICE = "voice"
    CHECKIN = "checkin"
    """Raised by the scheduler when a safety check-in timer ran out; clients cannot send it."""


OPEN_STATUSES = frozenset(
    {AlertStatus.TRIGGERED, AlertStatus.ACKNOWLEDGED, AlertStatus.DISPATCHED, AlertStatus.ON_SCENE}
)


@dataclass(frozen=True, slots=True)
class Transition:
    action: AlertAction
    sources: frozenset[AlertStatus]
    target: AlertStatus
    timestamp_field: str
    actor_field: str | None
    roles: frozenset[Role]
    """Roles allowed to take the action. Responders must also be assigned; reporters must own the alert."""


_ALL_STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})
_FIELD = frozenset({Role.ADMIN, Role.COORDINATOR, Role.RESPONDER})

TRANSITIONS: dict[AlertAction, Transition] = {
    AlertAction.ACKNOWLEDGE: Transition(
        AlertAction.ACKNOWLEDGE,
        frozenset({AlertStatus.TRIGGERED}),
        AlertStatus.ACKNOWLEDGED,
        "acknowledged_at",
        "acknowledged_by_id",
        _FIELD,
    ),
    AlertAction.DISPATCH: Transition(
        AlertAction.DISPATCH,
        frozenset({AlertStatus.ACKNOWLEDGED}),
        AlertStatus.DISPATCHED,
        "dispatched_at",
        "dispatched_by_id",
        _FIELD,
    ),
    AlertAction.ARRIVE: Transition(
        AlertAction.ARRIVE,
        frozenset({AlertStatus.DISPATCHED}),
        AlertStatus.ON_SCENE,
        "on_scene_at",
        None,
        _FIELD,
    ),
    AlertAction.RESOLVE: Transition(
        AlertAction.RESOLVE,
        frozenset({AlertStatus.ACKNOWLEDGED, AlertStatus.DISPATCHED, AlertStatus.ON_SCENE}),
        AlertStatus.RESOLVED,
        "resolved_at",
        "resolved_by_id",
        _FIELD,
    ),
    AlertAction.CANCEL: Transition(
        AlertAction.CANCEL,
        OPEN_STATUSES,
        AlertStatus.CANCELLED,
        "cancelled_at",
        "cancelled_by_id",
        frozenset({Role.ADMIN, Role.COORDINATOR, Role.REPORTER}),
    ),
    AlertAction.REOPEN: Transition(
        AlertAction.REOPEN,
        frozenset({AlertStatus.RESOLVED}),
        AlertStatus.TRIGGERED,
        "reopened_at",
        None,
        _ALL_STAFF,
    ),
}


def next_status(status: AlertStatus, action: AlertAction) -> AlertStatus:
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise TransitionNotAllowed("an alert", action, status, allowed_actions(status))
    return transition.target


def allowed_actions(status: AlertStatus) -> list[AlertAction]:
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]


@cache
def actions_for(status: AlertStatus, role: Role, *, own: bool, assigned: bool) -> list[AlertAction]:
    """The actions this caller may take now: the status allows them, the role may take them, a responder is
    assigned, and whoever raised the alert may always cancel it."""
    return [
        action
        for action in allowed_actions(status)
        if (action is AlertAction.CANCEL and own)
        or (role in TRANSITIONS[action].roles and (role is not Role.RESPONDER or assigned))
    ]
