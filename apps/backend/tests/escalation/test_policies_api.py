"""The escalation policy API: shapes, validation, tenancy, versions and the organization's default."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from sos.core.container import Container
from sos.escalation.models import EscalationPolicy, EscalationTarget, EscalationTier
from sos.users.domain import Role
from tests.escalation.support import URL, create_policy, events, policy_body, schedule, team, tier, user
from tests.factories import Tenant, add_member, team_with


async def _rows(container: Container) -> tuple[int, int, int]:
    async with container.engine.connect() as connection:
        counts = [
            (await connection.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (EscalationPolicy, EscalationTier, EscalationTarget)
        ]
    return counts[0], counts[1], counts[2]


async def _assert_refused(
    client: AsyncClient, container: Container, tenant: Tenant, body: dict[str, Any], pointer: str
) -> dict[str, Any]:
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 422, response.text
    problem: dict[str, Any] = response.json()
    assert any(error["pointer"].startswith(pointer) for error in problem["errors"]), problem
    assert await _rows(container) == (0, 0, 0)
    assert await events(container, "escalation_policy.created") == []
    return problem


async def test_an_admin_creates_a_policy_with_ordered_tiers(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    body = policy_body(
        tier(user(tenant.responder), delay=3),
        tier(team(team_id), user(tenant.coordinator), delay=10),
        repeat_count=2,
        description="Wake the medics",
    )
    response = await client.post(URL, json=body, headers=tenant.admin.headers)
    assert response.status_code == 201, response.text
    policy = response.json()
    assert response.headers["Location"] == f"{URL}/{policy['id']}"
    assert response.headers["ETag"] == '"1"'
    assert policy["repeat_count"] == 2
    assert policy["is_default"] is False
    assert [t["delay_minutes"] for t in policy["tiers"]] == [3, 10]
    assert policy["tiers"][1]["targets"] == [team(team_id), user(tenant.coordinator)]
    fetched = await client.get(f"{URL}/{policy['id']}", headers=tenant.coordinator.headers)
    assert fetched.json() == policy
    (created,) = await events(container, "escalation_policy.created")
    assert created.payload["tier_count"] == 2


async def test_a_coordinator_reads_policies_but_cannot_write_them(client: AsyncClient, tenant: Tenant) -> None:
    body = policy_body(tier(user(tenant.responder)))
    assert (await client.post(URL, json=body, headers=tenant.coordinator.headers)).status_code == 403
    await create_policy(client, tenant, body)
    listed = await client.get(URL, headers=tenant.coordinator.headers)
    assert [p["name"] for p in listed.json()["items"]] == ["Night shift"]


def _naming(value: Any, responder_id: str) -> Any:
    """``value`` with the placeholder ``RESPONDER`` replaced by the responder's id."""
    if isinstance(value, list):
        return [_naming(item, responder_id) for item in value]
    if isinstance(value, dict):
        return {key: _naming(item, responder_id) for key, item in value.items()}
    return responder_id if value == "RESPONDER" else value


@pytest.mark.parametrize(
    ("tiers", "pointer"),
    [
        ([], "#/tiers"),
        ([{"delay_minutes": 5, "targets": []}], "#/tiers/0/targets"),
        ([{"delay_minutes": 0, "targets": [{"kind": "user", "user_id": "RESPONDER"}]}], "#/tiers/0/delay_minutes"),
        ([{"delay_minutes": -5, "targets": [{"kind": "user", "user_id": "RESPONDER"}]}], "#/tiers/0/delay_minutes"),
        ([{"delay_minutes": 1441, "targets": [{"kind": "user", "user_id": "RESPONDER"}]}], "#/tiers/0/delay_minutes"),
        ([{"delay_minutes": "5", "targets": [{"kind": "user", "user_id": "RESPONDER"}]}], "#/tiers/0/delay_minutes"),
        ([{"targets": [{"kind": "user", "user_id": "RESPONDER"}]}], "#/tiers/0/delay_minutes"),
        (
            [{"delay_minutes": 5, "targets": [{"kind": "user", "user_id": "RESPONDER"}] * 2}],
            "#/tiers/0",
        ),
        ([{"delay_minutes": 5, "targets": [{"kind": "nearest_responders", "count": 0}]}], "#/tiers/0/targets/0"),
        ([{"delay_minutes": 5, "targets": [{"kind": "nearest_responders", "count": 11}]}], "#/tiers/0/targets/0"),
        ([{"delay_minutes": 5, "targets": [{"kind": "nearest_responders"}]}], "#/tiers/0/targets/0"),
        (
            [{"delay_minutes": 5, "targets": [{"kind": "nearest_responders", "count": 2, "skills": ["Bad Skill"]}]}],
            "#/tiers/0/targets/0",
        ),
        (
            [{"delay_minutes": 5, "targets": [{"kind": "nearest_responders", "count": 2, "radius_km": 0}]}],
            "#/tiers/0/targets/0",
        ),
        ([{"delay_minutes": 5, "targets": [{"kind": "nearest_responders", "count": 2}] * 2}], "#/tiers/0"),
        ([{"delay_minutes": 5, "targets": [{"kind": "user", "team_id": "RESPONDER"}]}], "#/tiers/0/targets/0"),
    ],
    ids=[
        "no-tiers",
        "no-targets",
        "zero-delay",
        "negative-delay",
        "huge-delay",
        "delay-as-string",
        "missing-delay",
        "duplicate-target",
        "nearest-count-zero",
        "nearest-count-over-ten",
        "nearest-count-missing",
        "nearest-bad-skill",
        "nearest-zero-radius",
        "nearest-twice-alike",
        "reference-of-the-wrong-kind",
    ],
)
async def test_a_malformed_policy_is_refused_naming_the_field(
    client: AsyncClient, container: Container, tenant: Tenant, tiers: list[dict[str, Any]], pointer: str
) -> None:
    body = {"name": "Broken", "tiers": _naming(tiers, str(tenant.responder.user_id))}
    await _assert_refused(client, container, tenant, body, pointer)


@pytest.mark.parametrize("repeat_count", [-1, 11])
async def test_a_repeat_count_out_of_range_is_refused(
    client: AsyncClient, container: Container, tenant: Tenant, repeat_count: int
) -> None:
    body = policy_body(tier(user(tenant.responder)), repeat_count=repeat_count)
    await _assert_refused(client, container, tenant, body, "#/repeat_count")


async def test_targets_of_another_tenant_look_exactly_like_unknown_ones(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign_team = await team_with(container, other_tenant, other_tenant.responder)
    unknown = "01890000-0000-7000-8000-000000000000"
    problems = []
    for foreign, missing in [
        (user(other_tenant.responder), user(unknown)),
        (team(foreign_team), team(unknown)),
    ]:
        for target in (foreign, missing):
            body = policy_body(tier(user(tenant.responder)), tier(target))
            problem = await _assert_refused(client, container, tenant, body, "#/tiers/1/targets/0")
            problems.append((problem["errors"][0]["message"], problem["code"]))
    assert problems[0] == problems[1]
    assert problems[2] == problems[3]
    assert problems[0][1] == "reference_not_found"


async def test_a_schedule_of_another_tenant_looks_like_an_unknown_one(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await client.post(
        "/api/v1/schedules", json={"name": "Theirs", "time_zone": "UTC"}, headers=other_tenant.admin.headers
    )
    assert created.status_code == 201, created.text
    messages = []
    for schedule_id in (created.json()["id"], "01890000-0000-7000-8000-000000000000"):
        body = policy_body(tier(schedule(schedule_id)))
        problem = await _assert_refused(client, container, tenant, body, "#/tiers/0/targets/0/schedule_id")
        messages.append(problem["errors"][0]["message"])
    assert messages[0] == messages[1]


async def test_a_team_of_another_tenant_cannot_own_the_policy(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign_team = await team_with(container, other_tenant, other_tenant.responder)
    body = policy_body(tier(user(tenant.responder)), team_id=str(foreign_team))
    await _assert_refused(client, container, tenant, body, "#/team_id")


async def test_a_deactivated_user_cannot_be_a_target(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    gone = await add_member(container, tenant, Role.RESPONDER, label="gone")
    deactivated = await client.post(f"/api/v1/users/{gone.user_id}/deactivate", headers=tenant.admin.headers)
    assert deactivated.status_code == 200, deactivated.text
    problem = await _assert_refused(
        client, container, tenant, policy_body(tier(user(gone))), "#/tiers/0/targets/0/user_id"
    )
    assert "deactivated" in problem["errors"][0]["message"]


async def test_a_reporter_cannot_be_a_target(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await _assert_refused(
        client, container, tenant, policy_body(tier(user(tenant.reporter))), "#/tiers/0/targets/0/user_id"
    )


async def test_a_team_has_at_most_one_policy(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    team_id = await team_with(container, tenant, tenant.responder)
    await create_policy(client, tenant, policy_body(tier(user(tenant.responder)), team_id=str(team_id)))
    second = await client.post(
        URL, json=policy_body(tier(user(tenant.responder)), team_id=str(team_id)), headers=tenant.admin.headers
    )
    assert second.status_code == 409, second.text
    assert (await _rows(container))[0] == 1


async def test_replacing_needs_the_current_version(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    policy = await create_policy(client, tenant, policy_body(tier(user(tenant.responder))))
    replacement = policy_body(tier(user(tenant.coordinator), delay=7), tier(user(tenant.responder)), name="Renamed")
    replaced = await client.put(
        f"{URL}/{policy['id']}", json=replacement, headers=tenant.admin.headers | {"If-Match": '"1"'}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["ETag"] == '"2"'
    assert replaced.json()["name"] == "Renamed"
    assert [t["targets"] for t in replaced.json()["tiers"]] == [[user(tenant.coordinator)], [user(tenant.responder)]]
    stale = await client.put(
        f"{URL}/{policy['id']}",
        json=policy_body(tier(user(tenant.responder))),
        headers=tenant.admin.headers | {"If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert (await client.get(f"{URL}/{policy['id']}", headers=tenant.admin.headers)).json() == replaced.json()
    assert await _rows(container) == (1, 2, 2)


async def test_an_invalid_replacement_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    policy = await create_policy(client, tenant, policy_body(tier(user(tenant.responder))))
    response = await client.put(
        f"{URL}/{policy['id']}",
        json=policy_body(tier(user(other_tenant.responder))),
        headers=tenant.admin.headers,
    )
    assert response.status_code == 422
    assert (await client.get(f"{URL}/{policy['id']}", headers=tenant.admin.headers)).json() == policy


async def test_deleting_a_policy_removes_its_tiers(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    policy = await create_policy(client, tenant, policy_body(tier(user(tenant.responder))))
    stale = await client.delete(f"{URL}/{policy['id']}", headers=tenant.admin.headers | {"If-Match": '"7"'})
    assert stale.status_code == 412
    deleted = await client.delete(f"{URL}/{policy['id']}", headers=tenant.admin.headers)
    assert deleted.status_code == 204
    assert (await client.get(f"{URL}/{policy['id']}", headers=tenant.admin.headers)).status_code == 404
    assert await _rows(container) == (0, 0, 0)
    assert [e.payload["name"] for e in await events(container, "escalation_policy.deleted")] == ["Night shift"]


async def test_an_organization_has_at_most_one_default(client: AsyncClient, tenant: Tenant) -> None:
    first = await create_policy(client, tenant, policy_body(tier(user(tenant.responder)), is_default=True))
    second = await create_policy(client, tenant, policy_body(tier(user(tenant.responder)), name="Second"))
    made_default = await client.put(f"{URL}/{second['id']}/default", headers=tenant.admin.headers)
    assert made_default.status_code == 200, made_default.text
    assert made_default.json()["is_default"] is True
    listed = (await client.get(URL, headers=tenant.admin.headers)).json()["items"]
    assert {p["id"]: p["is_default"] for p in listed} == {first["id"]: False, second["id"]: True}
    unset = await client.delete(f"{URL}/{second['id']}/default", headers=tenant.admin.headers)
    assert unset.json()["is_default"] is False
    listed = (await client.get(URL, headers=tenant.admin.headers)).json()["items"]
    assert [p["is_default"] for p in listed] == [False, False]


async def test_defaults_are_per_organization(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    mine = await create_policy(client, tenant, policy_body(tier(user(tenant.responder)), is_default=True))
    await create_policy(client, other_tenant, policy_body(tier(user(other_tenant.responder)), is_default=True))
    assert (await client.get(f"{URL}/{mine['id']}", headers=tenant.admin.headers)).json()["is_default"] is True


async def test_another_tenant_cannot_see_or_change_a_policy(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    policy = await create_policy(client, tenant, policy_body(tier(user(tenant.responder))))
    theirs = other_tenant.admin.headers
    assert (await client.get(f"{URL}/{policy['id']}", headers=theirs)).status_code == 404
    assert (await client.put(f"{URL}/{policy['id']}/default", headers=theirs)).status_code == 404
    assert (await client.delete(f"{URL}/{policy['id']}", headers=theirs)).status_code == 404
    assert (await client.get(URL, headers=theirs)).json()["items"] == []
