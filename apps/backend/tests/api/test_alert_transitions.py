from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.users.domain import Role
from tests.factories import Member, Tenant, add_member, raise_sos, team_with, timeline_of

# How to bring a fresh alert into each status, through the API.
PATHS: dict[str, list[str]] = {
    "triggered": [],
    "acknowledged": ["acknowledge"],
    "dispatched": ["acknowledge", "dispatch"],
    "on_scene": ["acknowledge", "dispatch", "arrive"],
    "resolved": ["acknowledge", "resolve"],
    "cancelled": ["cancel"],
}
ALLOWED: dict[tuple[str, str], str] = {
    ("triggered", "acknowledge"): "acknowledged",
    ("acknowledged", "dispatch"): "dispatched",
    ("dispatched", "arrive"): "on_scene",
    ("acknowledged", "resolve"): "resolved",
    ("dispatched", "resolve"): "resolved",
    ("on_scene", "resolve"): "resolved",
    ("triggered", "cancel"): "cancelled",
    ("acknowledged", "cancel"): "cancelled",
    ("dispatched", "cancel"): "cancelled",
    ("on_scene", "cancel"): "cancelled",
    ("resolved", "reopen"): "triggered",
}
ACTIONS = ["acknowledge", "dispatch", "arrive", "resolve", "cancel", "reopen"]
FORBIDDEN = [(status, action) for status in PATHS for action in ACTIONS if (status, action) not in ALLOWED]
STAMPS = {
    "acknowledge": ("acknowledged_at", "acknowledged_by_id"),
    "dispatch": ("dispatched_at", "dispatched_by_id"),
    "arrive": ("on_scene_at", None),
    "resolve": ("resolved_at", "resolved_by_id"),
    "cancel": ("cancelled_at", "cancelled_by_id"),
    "reopen": ("reopened_at", None),
}
EVENT_TYPES = {
    "acknowledge": "alert.acknowledged",
    "dispatch": "alert.dispatched",
    "arrive": "alert.on_scene",
    "resolve": "alert.resolved",
    "cancel": "alert.cancelled",
    "reopen": "alert.reopened",
}


async def act(client: AsyncClient, member: Member, alert_id: str, action: str, **kwargs: Any) -> Any:
    return await client.post(f"/api/v1/alerts/{alert_id}/{action}", headers=member.headers, **kwargs)


async def alert_in(client: AsyncClient, tenant: Tenant, status: str) -> dict[str, Any]:
    alert = await raise_sos(client, tenant.reporter)
    for action in PATHS[status]:
        response = await act(client, tenant.coordinator, alert["id"], action)
        assert response.status_code == 200, response.text
        alert = response.json()
    assert alert["status"] == status
    return alert


async def events_of(container: Container, alert_id: str) -> list[Any]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload, OutboxEvent.actor_id)
            .where(OutboxEvent.aggregate_id == UUID(alert_id))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
        return list(rows.all())


async def assign_directly(client: AsyncClient, tenant: Tenant, alert_id: str, responder: Member) -> None:
    response = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments",
        json={"responder_ids": [str(responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=lambda v: str(v))
async def test_allowed_transition_moves_the_alert(
    client: AsyncClient, tenant: Tenant, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    response = await act(client, tenant.coordinator, alert["id"], action)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == ALLOWED[(status, action)]
    assert body["version"] == alert["version"] + 1
    assert response.headers["ETag"] == f'"{alert["version"] + 1}"'


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=lambda v: str(v))
async def test_allowed_transition_stamps_its_time_and_actor(
    client: AsyncClient, tenant: Tenant, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    before = utcnow().isoformat()
    body = (await act(client, tenant.coordinator, alert["id"], action)).json()
    time_field, actor_field = STAMPS[action]
    assert alert[time_field] is None or action == "reopen"
    assert body[time_field] is not None
    assert body[time_field] >= before[:19]
    if actor_field is not None:
        assert body[actor_field] == str(tenant.coordinator.user_id)
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert stored == body


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=lambda v: str(v))
async def test_allowed_transition_records_a_domain_event(
    client: AsyncClient, tenant: Tenant, container: Container, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    await act(client, tenant.coordinator, alert["id"], action, json={"note": "radio check"})
    event_type, payload, actor_id = (await events_of(container, alert["id"]))[-1]
    assert event_type == EVENT_TYPES[action]
    assert actor_id == tenant.coordinator.user_id
    assert payload == {
        "alert_id": alert["id"],
        "action": action,
        "from_status": status,
        "to_status": ALLOWED[(status, action)],
        "version": alert["version"] + 1,
        "note": "radio check",
    }


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=lambda v: str(v))
async def test_allowed_transition_lands_on_the_timeline_with_its_note(
    client: AsyncClient, tenant: Tenant, container: Container, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    await act(client, tenant.coordinator, alert["id"], action, json={"note": f"note for {action}"})
    kind, data, actor_id = (await timeline_of(container, alert["id"]))[-1]
    assert kind == EVENT_TYPES[action]
    assert data["note"] == f"note for {action}"
    assert actor_id == tenant.coordinator.user_id


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=lambda v: str(v))
async def test_forbidden_transition_is_a_typed_conflict(
    client: AsyncClient, tenant: Tenant, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    response = await act(client, tenant.coordinator, alert["id"], action)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_transition"
    assert problem["current_status"] == status
    assert problem["action"] == action
    assert problem["allowed_actions"] == [a for a in ACTIONS if (status, a) in ALLOWED]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=lambda v: str(v))
async def test_forbidden_transition_changes_nothing(
    client: AsyncClient, tenant: Tenant, container: Container, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    events_before = len(await events_of(container, alert["id"]))
    await act(client, tenant.coordinator, alert["id"], action, json={"note": "should not stick"})
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert {k: v for k, v in stored.items() if k != "allowed_actions"} == {
        k: v for k, v in alert.items() if k != "allowed_actions"
    }
    assert len(await events_of(container, alert["id"])) == events_before


async def test_transition_without_a_body_records_no_note(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await act(client, tenant.coordinator, alert["id"], "acknowledge")
    assert response.status_code == 200
    assert (await events_of(container, alert["id"]))[-1].payload["note"] is None


async def test_full_lifecycle_walks_to_resolved(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    for action, expected in [
        ("acknowledge", "acknowledged"),
        ("dispatch", "dispatched"),
        ("arrive", "on_scene"),
        ("resolve", "resolved"),
    ]:
        response = await act(client, tenant.coordinator, alert["id"], action)
        assert response.json()["status"] == expected
    final = response.json()
    assert final["version"] == 5
    assert all(final[field] is not None for field in ("acknowledged_at", "dispatched_at", "on_scene_at", "resolved_at"))
    assert final["allowed_actions"] == ["reopen"]


async def test_reopen_clears_the_previous_lifecycle(client: AsyncClient, tenant: Tenant) -> None:
    alert = await alert_in(client, tenant, "resolved")
    body = (await act(client, tenant.admin, alert["id"], "reopen")).json()
    assert body["status"] == "triggered"
    assert body["reopened_at"] is not None
    cleared = ("acknowledged_at", "acknowledged_by_id", "resolved_at", "resolved_by_id")
    assert [body[field] for field in cleared] == [None] * len(cleared)
    assert body["allowed_actions"] == ["acknowledge", "cancel"]


async def test_reopened_alert_can_be_acknowledged_again(client: AsyncClient, tenant: Tenant) -> None:
    alert = await alert_in(client, tenant, "resolved")
    await act(client, tenant.coordinator, alert["id"], "reopen")
    response = await act(client, tenant.responder, alert["id"], "acknowledge")
    assert response.status_code == 404  # not assigned
    response = await act(client, tenant.coordinator, alert["id"], "acknowledge")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"


async def test_reopen_keeps_the_history_on_the_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await alert_in(client, tenant, "resolved")
    await act(client, tenant.coordinator, alert["id"], "reopen", json={"note": "patient relapsed"})
    kinds = [kind for kind, _data, _actor in await timeline_of(container, alert["id"])]
    assert kinds == ["alert.triggered", "alert.acknowledged", "alert.resolved", "alert.reopened"]


# Roles: who may act on which alert.


@pytest.mark.parametrize("action", ["acknowledge", "cancel"])
async def test_admin_may_act_like_a_coordinator(client: AsyncClient, tenant: Tenant, action: str) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await act(client, tenant.admin, alert["id"], action)
    assert response.status_code == 200
    assert response.json()["status"] == ALLOWED[("triggered", action)]


async def test_reporter_may_cancel_their_own_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await act(client, tenant.reporter, alert["id"], "cancel", json={"note": "false alarm"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by_id"] == str(tenant.reporter.user_id)


async def test_reporter_may_not_cancel_someone_elses_alert(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    other = await add_member(container, tenant, Role.REPORTER, label="neighbour")
    alert = await raise_sos(client, other)
    response = await act(client, tenant.reporter, alert["id"], "cancel")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("status", "action"), [("triggered", "acknowledge"), ("resolved", "reopen")])
async def test_reporter_may_not_take_staff_actions_on_their_own_alert(
    client: AsyncClient, tenant: Tenant, status: str, action: str
) -> None:
    alert = await alert_in(client, tenant, status)
    response = await act(client, tenant.reporter, alert["id"], action)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_reporter_may_not_dispatch_their_own_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await alert_in(client, tenant, "acknowledged")
    response = await act(client, tenant.reporter, alert["id"], "dispatch")
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["admin", "coordinator", "responder"]


async def test_unassigned_responder_cannot_see_the_alert_to_act_on(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await act(client, tenant.responder, alert["id"], "acknowledge")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_directly_assigned_responder_walks_the_field_actions(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await assign_directly(client, tenant, alert["id"], tenant.responder)
    assert (await act(client, tenant.responder, alert["id"], "acknowledge")).status_code == 200
    assert (await act(client, tenant.coordinator, alert["id"], "dispatch")).status_code == 200
    assert (await act(client, tenant.responder, alert["id"], "arrive")).status_code == 200
    response = await act(client, tenant.responder, alert["id"], "resolve")
    assert response.status_code == 200
    assert response.json()["resolved_by_id"] == str(tenant.responder.user_id)


async def test_assigned_responder_reports_en_route_by_dispatching(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await assign_directly(client, tenant, alert["id"], tenant.responder)
    assert (await act(client, tenant.responder, alert["id"], "acknowledge")).status_code == 200
    response = await act(client, tenant.responder, alert["id"], "dispatch")
    assert response.status_code == 200
    assert response.json()["dispatched_by_id"] == str(tenant.responder.user_id)


async def test_allowed_actions_are_what_the_caller_may_do(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    url = f"/api/v1/alerts/{alert['id']}"
    seen_by = {
        "coordinator": (await client.get(url, headers=tenant.coordinator.headers)).json()["allowed_actions"],
        "reporter": (await client.get(url, headers=tenant.reporter.headers)).json()["allowed_actions"],
    }
    await assign_directly(client, tenant, alert["id"], tenant.responder)
    seen_by["responder"] = (await client.get(url, headers=tenant.responder.headers)).json()["allowed_actions"]
    assert seen_by == {"coordinator": ["acknowledge", "cancel"], "reporter": ["cancel"], "responder": ["acknowledge"]}


async def test_responder_is_offered_no_actions_on_their_own_unassigned_report(
    client: AsyncClient, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.responder)
    listed = (await client.get("/api/v1/alerts", headers=tenant.responder.headers)).json()["items"]
    assert [item["allowed_actions"] for item in listed if item["id"] == alert["id"]] == [["cancel"]]


async def test_responder_assigned_through_a_team_may_acknowledge(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    team_id = await team_with(container, tenant, tenant.responder)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"team_ids": [str(team_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 200
    response = await act(client, tenant.responder, alert["id"], "acknowledge")
    assert response.status_code == 200
    assert response.json()["acknowledged_by_id"] == str(tenant.responder.user_id)


@pytest.mark.parametrize(("status", "action"), [("triggered", "cancel"), ("resolved", "reopen")])
async def test_assigned_responder_may_not_take_staff_actions(
    client: AsyncClient, tenant: Tenant, status: str, action: str
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await assign_directly(client, tenant, alert["id"], tenant.responder)
    for step in PATHS[status]:
        assert (await act(client, tenant.coordinator, alert["id"], step)).status_code == 200
    response = await act(client, tenant.responder, alert["id"], action)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["action"] == action


async def test_responder_may_not_act_on_their_own_unassigned_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.responder)
    response = await act(client, tenant.responder, alert["id"], "acknowledge")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_other_tenants_staff_cannot_act_on_the_alert(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await act(client, other_tenant.admin, alert["id"], "cancel")
    assert response.status_code == 404
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert stored["status"] == "triggered"


async def test_transition_on_unknown_alert_is_not_found(client: AsyncClient, tenant: Tenant) -> None:
    missing = uuid4()
    response = await act(client, tenant.coordinator, str(missing), "acknowledge")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["id"] == str(missing)


async def test_transition_needs_a_token(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


# Optimistic concurrency with ETag / If-Match.


async def test_matching_if_match_applies_the_transition(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    etag = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).headers["ETag"]
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers | {"If-Match": etag}
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'


async def test_stale_if_match_is_precondition_failed(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await act(client, tenant.coordinator, alert["id"], "acknowledge")
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/dispatch", headers=tenant.coordinator.headers | {"If-Match": '"1"'}
    )
    assert response.status_code == 412
    assert response.json()["code"] == "version_mismatch"
    assert response.json()["current_version"] == 2


async def test_stale_write_changes_nothing(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await alert_in(client, tenant, "acknowledged")
    await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.coordinator.headers | {"If-Match": '"1"'})
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert stored == alert
    assert [e.event_type for e in await events_of(container, alert["id"])] == ["alert.triggered", "alert.acknowledged"]


async def test_wildcard_if_match_skips_the_version_check(client: AsyncClient, tenant: Tenant) -> None:
    alert = await alert_in(client, tenant, "acknowledged")
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/dispatch", headers=tenant.coordinator.headers | {"If-Match": "*"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["1", '"abc"', '"1", "2"', "W/"])
async def test_malformed_if_match_is_a_bad_request(client: AsyncClient, tenant: Tenant, value: str) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers | {"If-Match": value}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


async def test_weak_if_match_never_matches(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers | {"If-Match": 'W/"1"'}
    )
    assert response.status_code == 412
    assert response.json()["code"] == "version_mismatch"


async def test_get_alert_sends_its_version_as_etag(client: AsyncClient, tenant: Tenant) -> None:
    alert = await alert_in(client, tenant, "dispatched")
    response = await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)
    assert response.headers["ETag"] == '"3"'


async def test_every_transition_writes_one_outbox_row(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await alert_in(client, tenant, "on_scene")
    async with container.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.aggregate_id == UUID(alert["id"]))
        )
    assert count == 4


async def test_a_responder_who_raised_an_sos_can_call_it_off(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.responder)
    response = await client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=tenant.responder.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
