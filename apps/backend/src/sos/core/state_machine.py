"""What every lifecycle (alerts, incidents) raises when an action does not apply to the current status."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class TransitionNotAllowed(Exception):
    def __init__(self, subject: str, action: StrEnum, status: StrEnum, allowed: Sequence[StrEnum]) -> None:
        super().__init__(f"cannot {action.value} {subject} that is {status.value}")
        self.action = action
        self.status = status
        self.allowed = list(allowed)
