"""Authorization cases for the check-in routes.

The prepared timer belongs to the organization's admin. Everyone may start and list their own timers; staff also see
and cancel the organization's; only the owner (here the admin) extends a timer or updates its location, so the
coordinator, who can see it, gets 403 there. Responders and reporters cannot see another person's timer: 404.
"""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from sos.users.domain import Role
from tests.authz.cases import ADMIN, EVERYONE, REPORTER, RESPONDER, STAFF, Case, WorldIds

_NOT_THEIRS = frozenset({RESPONDER, REPORTER})
_OWNER = frozenset({ADMIN})


def _timer(_: WorldIds) -> dict[str, Any]:
    return {"location": {"lat": 52.5, "lon": 13.4}, "duration_minutes": 30, "note": "walking home"}


async def _admins_timer(client: AsyncClient, _: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    response = await client.post("/api/v1/checkins", json=_timer(_), headers=admin)
    assert response.status_code == 201, response.text
    return {"checkin_id": response.json()["id"]}


def _on_timer(method: str, suffix: str, allowed: frozenset[Role], **extra: Any) -> Case:
    return Case(
        method,
        f"/api/v1/checkins/{{checkin_id}}{suffix}",
        allowed,
        prepare=_admins_timer,
        hidden_from=_NOT_THEIRS,
        role_gate=False,
        **extra,
    )


CASES: list[Case] = [
    Case("POST", "/api/v1/checkins", EVERYONE, ok=201, body=_timer, collection=True),
    Case("GET", "/api/v1/checkins", EVERYONE, collection=True),
    _on_timer("GET", "", STAFF),
    _on_timer("POST", "/extend", _OWNER, body=lambda _: {"duration_minutes": 45}),
    _on_timer("POST", "/location", _OWNER, body=lambda _: {"lat": 52.51, "lon": 13.41}),
    _on_timer("POST", "/cancel", STAFF),
]
