"""Authorization cases for the escalation routes."""

from __future__ import annotations

from tests.authz.cases import Case

CASES: list[Case] = []
