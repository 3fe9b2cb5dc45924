"""Every case of the authorization matrix, gathered from the per-domain case modules."""

from __future__ import annotations

from tests.authz import (
    cases,
    cases_analytics,
    cases_checkins,
    cases_escalation,
    cases_notifications,
    cases_schedules,
)
from tests.authz.cases import Case

CASES: list[Case] = [
    *cases.CASES,
    *cases_escalation.CASES,
    *cases_schedules.CASES,
    *cases_checkins.CASES,
    *cases_notifications.CASES,
    *cases_analytics.CASES,
]
PUBLIC_ROUTES = cases.PUBLIC_ROUTES
