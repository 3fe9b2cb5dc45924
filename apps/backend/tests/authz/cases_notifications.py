"""Authorization cases for the notifications routes."""

from __future__ import annotations

from tests.authz.cases import Case

CASES: list[Case] = []
