"""Every case of the authorization matrix, gathered from the per-domain case modules."""

from __future__ import annotations

from tests.authz import (
    cases,
    cases_analytics,
    cases_checkins,
    cases_contacts,
    cases_dispatch,
    cases_escalation,
    cases_locations,
    cases_notifications,
    cases_providers,
    cases_schedules,
    cases_stream,
)
from tests.authz.cases import Case

CASES: list[Case] = [
    *cases.CASES,
    *cases_escalation.CASES,
    *cases_schedules.CASES,
    *cases_checkins.CASES,
    *cases_notifications.CASES,
    *cases_analytics.CASES,
    *cases_contacts.CASES,
    *cases_providers.CASES,
    *cases_dispatch.CASES,
    *cases_locations.CASES,
    *cases_stream.CASES,
]
PUBLIC_ROUTES = {**cases.PUBLIC_ROUTES, **cases_stream.EXEMPT}
