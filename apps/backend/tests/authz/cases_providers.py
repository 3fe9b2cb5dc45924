"""Authorization cases for the notification provider routes: provider accounts are an admin's business."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.authz.cases import ADMIN_ONLY, Case, WorldIds

URL = "/api/v1/notification-providers"


def _smtp(_: WorldIds) -> dict[str, Any]:
    return {
        "kind": "smtp",
        "name": "Matrix relay",
        "settings": {"host": "127.0.0.1", "port": 9, "security": "none", "from_address": "sos@sos.test"},
        "secrets": {"password": "matrix-secret"},
    }


async def _existing_provider(client: AsyncClient, ids: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    response = await client.post(URL, json=_smtp(ids), headers=admin)
    assert response.status_code == 201, response.text
    return {"provider_id": response.json()["id"]}


CASES: list[Case] = [
    Case("GET", URL, ADMIN_ONLY, collection=True),
    Case("GET", URL + "/kinds", ADMIN_ONLY, collection=True),
    Case("POST", URL, ADMIN_ONLY, ok=201, body=_smtp, collection=True),
    Case("GET", URL + "/{provider_id}", ADMIN_ONLY, prepare=_existing_provider),
    Case("PATCH", URL + "/{provider_id}", ADMIN_ONLY, body=lambda _: {"priority": 5}, prepare=_existing_provider),
    Case("DELETE", URL + "/{provider_id}", ADMIN_ONLY, ok=204, prepare=_existing_provider),
    Case("POST", URL + "/{provider_id}/check", ADMIN_ONLY, prepare=_existing_provider),
]
