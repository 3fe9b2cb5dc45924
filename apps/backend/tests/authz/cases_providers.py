"""Authorization cases for the providers routes."""

from __future__ import annotations

from tests.authz.cases import Case

CASES: list[Case] = []
