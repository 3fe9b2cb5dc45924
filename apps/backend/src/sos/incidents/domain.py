"""The incident lifecycle, free of I/O: open ─resolve─▶ resolved ─reopen─▶ open."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sos.alerts.domain import Severity
from sos.core.state_machine import TransitionNotAllowed


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class IncidentAction(StrEnum):
    RESOLVE = "resolve"
    REOPEN = "reopen"


TRANSITIONS: dict[IncidentAction, tuple[IncidentStatus, IncidentStatus]] = {
    IncidentAction.RESOLVE: (IncidentStatus.OPEN, IncidentStatus.RESOLVED),
    IncidentAction.REOPEN: (IncidentStatus.RESOLVED, IncidentStatus.OPEN),
}

PAST_TENSE: dict[IncidentAction, str] = {IncidentAction.RESOLVE: "resolved", IncidentAction.REOPEN: "reopened"}

DEFAULT_SEVERITY = Severity.HIGH
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


def next_status(status: IncidentStatus, action: IncidentAction) -> IncidentStatus:
    source, target = TRANSITIONS[action]
    if status is not source:
        raise TransitionNotAllowed("an incident", action, status, allowed_actions(status))
    return target


def allowed_actions(status: IncidentStatus) -> list[IncidentAction]:
    return [action for action, (source, _target) in TRANSITIONS.items() if source is status]


def highest_severity(severities: Iterable[Severity]) -> Severity:
    """The most severe of ``severities``; :data:`DEFAULT_SEVERITY` when there are none."""
    return max(severities, key=_SEVERITY_RANK.__getitem__, default=DEFAULT_SEVERITY)
