"""Authorization cases for the schedules routes.

The calendar feeds (``GET /api/v1/oncall-feeds/schedules/{token}.ics`` and
``GET /api/v1/oncall-feeds/users/{token}.ics``) take the token in the URL as their credential and are listed in
``PUBLIC_ROUTES``; tests/schedules/test_feeds.py covers them.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from sos.core.db import utcnow
from tests.authz.cases import EVERYONE, FIELD, STAFF, Case, WorldIds

SCHEDULE = "/api/v1/schedules/{schedule_id}"


def _empty_schedule(_: WorldIds) -> dict[str, Any]:
    return {"name": f"Matrix schedule {secrets.token_hex(3)}", "time_zone": "Europe/Berlin", "layers": []}


def _window() -> dict[str, str]:
    start = utcnow().replace(microsecond=0) + timedelta(hours=2)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}


def _override(ids: WorldIds) -> dict[str, Any]:
    return {"user_id": ids.user_id, **_window()}


def _swap(ids: WorldIds) -> dict[str, Any]:
    return {"user_id": ids.user_id, "swap_of_user_id": ids.responder_id, **_window()}


async def _schedule(client: AsyncClient, ids: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    """A schedule on which the responder is always on call."""
    layer = {"name": "Primary", "rotation": "daily", "members": [ids.responder_id], "starts_at": "2026-01-01T09:00"}
    body = _empty_schedule(ids) | {"layers": [layer]}
    response = await client.post("/api/v1/schedules", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return {"schedule_id": response.json()["id"]}


async def _schedule_with_override(client: AsyncClient, ids: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    made = await _schedule(client, ids, admin)
    response = await client.post(
        f"/api/v1/schedules/{made['schedule_id']}/overrides", json=_override(ids), headers=admin
    )
    assert response.status_code == 201, response.text
    return made | {"override_id": response.json()["id"]}


CASES: list[Case] = [
    Case("GET", "/api/v1/schedules", EVERYONE, collection=True),
    Case("POST", "/api/v1/schedules", STAFF, ok=201, body=_empty_schedule, collection=True),
    Case("GET", SCHEDULE, EVERYONE, prepare=_schedule, role_gate=False),
    Case("PUT", SCHEDULE, STAFF, body=_empty_schedule, prepare=_schedule),
    Case("DELETE", SCHEDULE, STAFF, ok=204, prepare=_schedule),
    Case("GET", f"{SCHEDULE}/on-call", EVERYONE, prepare=_schedule, role_gate=False),
    Case("GET", f"{SCHEDULE}/shifts", EVERYONE, prepare=_schedule, role_gate=False),
    Case("GET", f"{SCHEDULE}/overrides", EVERYONE, prepare=_schedule, role_gate=False),
    Case("POST", f"{SCHEDULE}/overrides", STAFF, ok=201, body=_override, prepare=_schedule),
    Case("DELETE", f"{SCHEDULE}/overrides/{{override_id}}", STAFF, ok=204, prepare=_schedule_with_override),
    Case("POST", f"{SCHEDULE}/swaps", FIELD, ok=201, body=_swap, prepare=_schedule),
    Case("POST", f"{SCHEDULE}/feed-token", STAFF, ok=201, prepare=_schedule),
    Case("POST", "/api/v1/me/oncall-feed-token", EVERYONE, ok=201, collection=True),
]
