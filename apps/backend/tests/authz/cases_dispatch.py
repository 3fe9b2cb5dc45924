"""Authorization cases of the dispatch routes.

Staff rank candidates, make offers, run auto-dispatch and set a team's dispatch settings. Only the responder an offer
was made to answers it (the prepared offer goes to the organization's responder). Staff see every offer of an
alert, a responder only those made to them, and a reporter none.
"""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from sos.users.domain import Role
from tests.authz.cases import FIELD, STAFF, Case, WorldIds

_ALERT = "/api/v1/alerts/{alert_id}/dispatch"
_RESPONDER = frozenset({Role.RESPONDER})


def _offer(ids: WorldIds) -> dict[str, Any]:
    return {"responder_id": ids.responder_id}


async def _offered(client: AsyncClient, ids: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    response = await client.post(f"/api/v1/alerts/{ids.alert_id}/dispatch/offers", json=_offer(ids), headers=admin)
    assert response.status_code == 201, response.text
    return {"offer_id": response.json()["id"]}


CASES: list[Case] = [
    Case("GET", "/api/v1/teams/{team_id}/dispatch-settings", STAFF),
    Case("PUT", "/api/v1/teams/{team_id}/dispatch-settings", STAFF, body=lambda _: {"mode": "auto"}),
    Case("GET", _ALERT + "/candidates", STAFF),
    Case("POST", _ALERT + "/offers", STAFF, ok=201, body=_offer),
    Case("GET", _ALERT + "/offers", FIELD),
    Case("POST", _ALERT + "/auto", STAFF, ok=201, body=lambda _: {}),
    Case("DELETE", _ALERT + "/auto", STAFF, ok=204),
    Case("POST", _ALERT + "/offers/{offer_id}/accept", _RESPONDER, prepare=_offered),
    Case("POST", _ALERT + "/offers/{offer_id}/decline", _RESPONDER, body=lambda _: {}, prepare=_offered),
    Case("GET", "/api/v1/me/dispatch-offers", _RESPONDER, collection=True),
]
