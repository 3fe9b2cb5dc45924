"""Request bodies and calls shared by the schedule API tests."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import Member

SCHEDULES = "/api/v1/schedules"


def daily_layer(*members: Any, starts_at: str = "2026-01-01T09:00", **fields: Any) -> dict[str, Any]:
    return {
        "name": "Primary",
        "rotation": "daily",
        "members": [str(member) for member in members],
        "starts_at": starts_at,
        **fields,
    }


def schedule_body(*layers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "Berlin on call", "time_zone": "Europe/Berlin", "layers": list(layers), **fields}


async def create_schedule(client: AsyncClient, staff: Member, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(SCHEDULES, json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
