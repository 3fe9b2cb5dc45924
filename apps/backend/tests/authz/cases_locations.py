"""Authorization cases of the location routes: batch uploads and responder trails.

The single-fix uploads and the alert trail's read are in ``cases.py`` with the rest of their routers.
"""

from __future__ import annotations

from typing import Any

from sos.core.db import utcnow
from tests.authz.cases import ADMIN, COORDINATOR, REPORTER, RESPONDER, STAFF, Case, WorldIds


def _batch(_: WorldIds) -> dict[str, Any]:
    return {"fixes": [{"lat": 52.5, "lon": 13.4, "accuracy_m": 5, "recorded_at": utcnow().isoformat()}]}


CASES: list[Case] = [
    Case(
        "POST",
        "/api/v1/responders/me/locations/batch",
        frozenset({RESPONDER}),
        ok=201,
        body=_batch,
        collection=True,
    ),
    # Staff read any responder's trail; a responder reads their own (the world's responder is the caller).
    Case("GET", "/api/v1/responders/{responder_id}/locations", STAFF | {RESPONDER}),
    # The world's responder is assigned to the alert: they see it, so they get a 403 rather than a 404.
    Case(
        "POST",
        "/api/v1/alerts/{alert_id}/locations/batch",
        frozenset({ADMIN, COORDINATOR, REPORTER}),
        ok=201,
        body=_batch,
        role_gate=False,
    ),
]
