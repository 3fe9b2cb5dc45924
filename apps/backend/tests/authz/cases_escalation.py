"""Authorization cases for the escalation policy routes: staff read policies, only admins change them."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.authz.cases import ADMIN_ONLY, STAFF, Case, WorldIds

URL = "/api/v1/escalation-policies"


def _policy(ids: WorldIds) -> dict[str, Any]:
    return {
        "name": "Matrix policy",
        "tiers": [{"delay_minutes": 5, "targets": [{"kind": "user", "user_id": ids.responder_id}]}],
    }


async def _existing_policy(client: AsyncClient, ids: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    response = await client.post(URL, json=_policy(ids), headers=admin)
    assert response.status_code == 201, response.text
    return {"policy_id": response.json()["id"]}


CASES: list[Case] = [
    Case("GET", URL, STAFF, collection=True),
    # From another organization the body names this organization's responder, so even its admin gets a 422.
    Case("POST", URL, ADMIN_ONLY, ok=201, body=_policy, collection=True, tags=("body_names_own_objects",)),
    Case("GET", URL + "/{policy_id}", STAFF, prepare=_existing_policy),
    Case("PUT", URL + "/{policy_id}", ADMIN_ONLY, body=_policy, prepare=_existing_policy),
    Case("DELETE", URL + "/{policy_id}", ADMIN_ONLY, ok=204, prepare=_existing_policy),
    Case("PUT", URL + "/{policy_id}/default", ADMIN_ONLY, prepare=_existing_policy),
    Case("DELETE", URL + "/{policy_id}/default", ADMIN_ONLY, prepare=_existing_policy),
]
