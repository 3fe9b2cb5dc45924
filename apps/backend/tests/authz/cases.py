"""The authorization matrix: for every route, which roles may use it and what the others get."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from httpx import AsyncClient

from sos.alerts.domain import AlertAction
from sos.users.domain import Role

ADMIN, COORDINATOR, RESPONDER, REPORTER = Role.ADMIN, Role.COORDINATOR, Role.RESPONDER, Role.REPORTER
EVERYONE = frozenset(Role)
STAFF = frozenset({ADMIN, COORDINATOR})
FIELD = frozenset({ADMIN, COORDINATOR, RESPONDER})
ADMIN_ONLY = frozenset({ADMIN})

Body = Callable[["WorldIds"], dict[str, Any]] | None
Prepare = Callable[[AsyncClient, "WorldIds", dict[str, str]], Awaitable[dict[str, str]]] | None


@dataclass(frozen=True)
class WorldIds:
    """Ids of the objects in the caller's organization that a case's path and body may name."""

    alert_id: str
    assignment_id: str
    team_id: str
    user_id: str
    responder_id: str
    incident_id: str
    organization_id: str


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    allowed: frozenset[Role]
    ok: int = 200
    body: Body = None
    form: Body = None
    alert_steps: tuple[AlertAction, ...] = ()
    prepare: Prepare = None
    """Brings the world into the state the route needs; returns extra path ids."""
    hidden_from: frozenset[Role] = frozenset()
    """Roles for whom the object is invisible in their own organization: 404 instead of 403."""
    role_gate: bool = True
    """The role is checked before the object is looked up, so a forbidden role gets 403 even in another tenant."""
    collection: bool = False
    """A list or create route: in another tenant it succeeds but must not show this organization's objects."""
    tags: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _location(_: WorldIds) -> dict[str, Any]:
    return {"lat": 52.5, "lon": 13.4, "accuracy_m": 5}


def _sos(_: WorldIds) -> dict[str, Any]:
    return {"location": {"lat": 52.5, "lon": 13.4}}


def _assign(ids: WorldIds) -> dict[str, Any]:
    return {"team_ids": [ids.team_id]}


ALERT_CASES = [
    Case("POST", "/api/v1/alerts", EVERYONE, ok=201, body=_sos, collection=True),
    Case("GET", "/api/v1/alerts", EVERYONE, collection=True),
    Case("GET", "/api/v1/alerts/{alert_id}", EVERYONE, role_gate=False),
    Case("POST", "/api/v1/alerts/{alert_id}/acknowledge", FIELD, role_gate=False),
    Case("POST", "/api/v1/alerts/{alert_id}/dispatch", FIELD, alert_steps=(AlertAction.ACKNOWLEDGE,), role_gate=False),
    Case(
        "POST",
        "/api/v1/alerts/{alert_id}/arrive",
        FIELD,
        alert_steps=(AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH),
        role_gate=False,
    ),
    Case("POST", "/api/v1/alerts/{alert_id}/resolve", FIELD, alert_steps=(AlertAction.ACKNOWLEDGE,), role_gate=False),
    Case("POST", "/api/v1/alerts/{alert_id}/cancel", frozenset({ADMIN, COORDINATOR, REPORTER}), role_gate=False),
    Case(
        "POST",
        "/api/v1/alerts/{alert_id}/reopen",
        STAFF,
        alert_steps=(AlertAction.ACKNOWLEDGE, AlertAction.RESOLVE),
        role_gate=False,
    ),
    Case(
        "POST",
        "/api/v1/alerts/{alert_id}/locations",
        frozenset({ADMIN, COORDINATOR, REPORTER}),
        ok=201,
        body=_location,
        role_gate=False,
    ),
    Case("GET", "/api/v1/alerts/{alert_id}/locations", EVERYONE, role_gate=False),
    Case("POST", "/api/v1/alerts/{alert_id}/assignments", STAFF, body=_assign),
    Case("GET", "/api/v1/alerts/{alert_id}/assignments", EVERYONE, role_gate=False),
    Case("DELETE", "/api/v1/alerts/{alert_id}/assignments/{assignment_id}", STAFF, ok=204),
]


def _message(_: WorldIds) -> dict[str, Any]:
    return {"body": "On our way, stay where you are."}


def _incident(_: WorldIds) -> dict[str, Any]:
    return {"title": "Flooding in Mitte", "alert_ids": []}


def _merge(ids: WorldIds) -> dict[str, Any]:
    return {"alert_ids": [ids.alert_id]}


def _incident_update(_: WorldIds) -> dict[str, Any]:
    return {"summary": "Two streets closed."}


async def _resolve_incident(client: AsyncClient, ids: WorldIds, staff: dict[str, str]) -> dict[str, str]:
    response = await client.post(f"/api/v1/incidents/{ids.incident_id}/resolve", headers=staff)
    assert response.status_code == 200, response.text
    return {}


INCIDENT_CASES = [
    Case("POST", "/api/v1/incidents", STAFF, ok=201, body=_incident, collection=True),
    Case("GET", "/api/v1/incidents", FIELD, collection=True),
    Case("GET", "/api/v1/incidents/{incident_id}", FIELD),
    Case("PATCH", "/api/v1/incidents/{incident_id}", STAFF, body=_incident_update),
    Case("POST", "/api/v1/incidents/{incident_id}/alerts", STAFF, body=_merge),
    Case("POST", "/api/v1/incidents/{incident_id}/resolve", STAFF),
    Case("POST", "/api/v1/incidents/{incident_id}/reopen", STAFF, prepare=_resolve_incident),
    Case("POST", "/api/v1/incidents/{incident_id}/messages", FIELD, ok=201, body=_message),
    Case("GET", "/api/v1/incidents/{incident_id}/messages", FIELD),
    Case("GET", "/api/v1/incidents/{incident_id}/timeline", FIELD),
]

MESSAGE_AND_TIMELINE_CASES = [
    Case("POST", "/api/v1/alerts/{alert_id}/messages", EVERYONE, ok=201, body=_message, role_gate=False),
    Case("GET", "/api/v1/alerts/{alert_id}/messages", EVERYONE, role_gate=False),
    Case("GET", "/api/v1/alerts/{alert_id}/timeline", EVERYONE, role_gate=False),
]


def _new_member(_: WorldIds) -> dict[str, Any]:
    return {
        "email": f"matrix-{secrets.token_hex(4)}@example.com",
        "full_name": "Matrix Member",
        "role": "reporter",
        "password": "a long enough password",
    }


async def _deactivate_responder(client: AsyncClient, ids: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    response = await client.post(f"/api/v1/users/{ids.responder_id}/deactivate", headers=admin)
    assert response.status_code == 200, response.text
    return {}


async def _invite(client: AsyncClient, _: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    body = {"email": f"invitee-{secrets.token_hex(4)}@example.com", "full_name": "Invitee", "role": "reporter"}
    response = await client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return {"invitee_id": response.json()["id"]}


async def _spare_team(client: AsyncClient, _: WorldIds, admin: dict[str, str]) -> dict[str, str]:
    response = await client.post("/api/v1/teams", json={"name": "Spare team"}, headers=admin)
    assert response.status_code == 201, response.text
    return {"spare_team_id": response.json()["id"]}


def _named(name: str) -> Body:
    return lambda _: {"name": f"{name} {secrets.token_hex(3)}"}


PEOPLE_CASES = [
    Case("GET", "/api/v1/organization", EVERYONE, collection=True),
    Case("PATCH", "/api/v1/organization", ADMIN_ONLY, body=_named("Renamed"), collection=True),
    Case("GET", "/api/v1/users", STAFF, collection=True),
    Case("POST", "/api/v1/users", ADMIN_ONLY, ok=201, body=_new_member, collection=True),
    Case("GET", "/api/v1/users/me", EVERYONE, collection=True),
    Case("GET", "/api/v1/users/{user_id}", STAFF),
    Case("PATCH", "/api/v1/users/{responder_id}", ADMIN_ONLY, body=lambda _: {"role": "coordinator"}),
    Case("POST", "/api/v1/users/{responder_id}/deactivate", ADMIN_ONLY),
    Case("POST", "/api/v1/users/{responder_id}/reactivate", ADMIN_ONLY, prepare=_deactivate_responder),
    Case("POST", "/api/v1/users/{invitee_id}/invitation", ADMIN_ONLY, prepare=_invite),
    Case("GET", "/api/v1/teams", FIELD, collection=True),
    Case("POST", "/api/v1/teams", STAFF, ok=201, body=_named("Team"), collection=True),
    Case("GET", "/api/v1/teams/{team_id}", FIELD),
    Case("PATCH", "/api/v1/teams/{team_id}", STAFF, body=_named("Renamed team")),
    Case("DELETE", "/api/v1/teams/{spare_team_id}", STAFF, ok=204, prepare=_spare_team),
    Case("GET", "/api/v1/teams/{team_id}/members", FIELD),
    Case("PUT", "/api/v1/teams/{team_id}/members/{user_id}", STAFF, ok=201, body=lambda _: {"role": "lead"}),
    Case("DELETE", "/api/v1/teams/{team_id}/members/{responder_id}", STAFF, ok=204),
    Case("GET", "/api/v1/responders", STAFF, collection=True),
    Case("GET", "/api/v1/responders/me", frozenset({RESPONDER}), collection=True),
    Case(
        "PUT",
        "/api/v1/responders/me/availability",
        frozenset({RESPONDER}),
        body=lambda _: {"availability": "busy"},
        collection=True,
    ),
    Case("POST", "/api/v1/responders/me/locations", frozenset({RESPONDER}), ok=201, body=_location, collection=True),
    Case("GET", "/api/v1/responders/{responder_id}", STAFF),
    Case("PATCH", "/api/v1/responders/{responder_id}", STAFF, body=lambda _: {"skills": ["diving"]}),
]

CASES: list[Case] = [*ALERT_CASES, *INCIDENT_CASES, *MESSAGE_AND_TIMELINE_CASES, *PEOPLE_CASES]

# Routes outside the matrix, with the reason. Everything else in the app must have a case.
PUBLIC_ROUTES = {
    "GET /livez": "liveness probe",
    "GET /readyz": "readiness probe",
    "POST /api/v1/auth/token": "the login itself; covered by tests/api/test_auth.py",
    "POST /api/v1/auth/logout": "takes the refresh token as its credential; covered by tests/api/test_auth.py",
    "POST /api/v1/invitations/accept": "takes the invitation token as its credential; tests/api/test_invitations.py",
    "GET /api/v1/oncall-feeds/schedules/{token}.ics": "calendar feed; the token in the URL is the credential; "
    "tests/schedules/test_feeds.py",
    "GET /api/v1/oncall-feeds/users/{token}.ics": "calendar feed; the token in the URL is the credential; "
    "tests/schedules/test_feeds.py",
    "GET /api/v1/ack/{token}": "one-click acknowledge page; the signed single-use token is the credential; "
    "tests/delivery/test_ack.py",
    "POST /api/v1/ack/{token}": "acknowledges with the signed single-use token; tests/delivery/test_ack.py",
    "POST /api/v1/webhooks/providers/{provider_id}/status": "provider delivery receipts, authenticated by the "
    "provider's signature; tests/inbound/test_webhooks.py",
    "POST /api/v1/webhooks/providers/{provider_id}/inbound": "inbound SMS replies, authenticated by the provider's "
    "signature; tests/inbound/test_webhooks.py",
    "POST /api/v1/webhooks/providers/{provider_id}/voice": "voice keypress, authenticated by the provider's "
    "signature and the ack token; tests/inbound/test_webhooks.py",
}
