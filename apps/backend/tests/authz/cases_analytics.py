"""Authorization cases for the analytics routes: the organization's response times are for staff."""

from __future__ import annotations

from tests.authz.cases import STAFF, Case

CASES: list[Case] = [
    Case("GET", "/api/v1/analytics/response-times", STAFF, collection=True),
]
