"""Authorization cases for the schedules routes."""

from __future__ import annotations

from tests.authz.cases import Case

CASES: list[Case] = []
