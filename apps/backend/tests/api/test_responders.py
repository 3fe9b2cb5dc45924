from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.responders.models import ResponderLocation
from sos.users.domain import Role
from tests.factories import Member, Tenant, add_member

URL = "/api/v1/responders"
ME = f"{URL}/me"


async def set_skills(client: AsyncClient, tenant: Tenant, member: Member, skills: list[str]) -> dict[str, Any]:
    response = await client.patch(f"{URL}/{member.user_id}", json={"skills": skills}, headers=tenant.admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def go(client: AsyncClient, member: Member, availability: str) -> None:
    response = await client.put(f"{ME}/availability", json={"availability": availability}, headers=member.headers)
    assert response.status_code == 200, response.text


async def post_fix(client: AsyncClient, member: Member, **fix: Any) -> Any:
    return await client.post(
        f"{ME}/locations", json={"lat": 52.5, "lon": 13.4, "accuracy_m": 8.0} | fix, headers=member.headers
    )


def listed(response: Any) -> list[str]:
    return [item["user_id"] for item in response.json()["items"]]


# --- listing and reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
async def test_staff_list_responders_with_their_state(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    await post_fix(client, tenant.responder)
    response = await client.get(URL, headers=tenant.members[role].headers)
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["user_id"] == str(tenant.responder.user_id)
    assert item["full_name"] == "Responder of " + tenant.slug
    assert item["skills"] == ["first_aid"]
    assert item["availability"] == "available"
    assert item["last_location"]["lat"] == 52.5
    assert item["last_location"]["accuracy_m"] == 8.0
    assert item["last_location"]["recorded_at"]


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_list_responders(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.get(URL, headers=tenant.members[role].headers)
    assert response.status_code == 403


async def test_list_shows_only_the_callers_organization(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await client.get(URL, headers=other_tenant.admin.headers)
    assert listed(response) == [str(other_tenant.responder.user_id)]


async def test_list_leaves_out_deactivated_responders(client: AsyncClient, tenant: Tenant) -> None:
    await client.post(f"/api/v1/users/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers)
    assert listed(await client.get(URL, headers=tenant.admin.headers)) == []


async def test_list_filters_by_availability(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    busy = await add_member(container, tenant, Role.RESPONDER, label="busy")
    await go(client, busy, "busy")
    response = await client.get(URL, params={"availability": "busy"}, headers=tenant.admin.headers)
    assert listed(response) == [str(busy.user_id)]


async def test_list_filters_by_skill(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    diver = await add_member(container, tenant, Role.RESPONDER, label="diver")
    await set_skills(client, tenant, diver, ["diving", "first-aid"])
    response = await client.get(URL, params={"skill": "DIVING"}, headers=tenant.admin.headers)
    assert listed(response) == [str(diver.user_id)]


async def test_skill_filter_matches_whole_slugs_only(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    hyphen = await add_member(container, tenant, Role.RESPONDER, label="hyphen")
    await set_skills(client, tenant, hyphen, ["first-aid"])
    response = await client.get(URL, params={"skill": "first_aid"}, headers=tenant.admin.headers)
    assert listed(response) == [str(tenant.responder.user_id)]
    assert listed(await client.get(URL, params={"skill": "aid"}, headers=tenant.admin.headers)) == []


async def test_list_rejects_a_malformed_skill(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL, params={"skill": "first aid!"}, headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_list_filters_by_team(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    member = await add_member(container, tenant, Role.RESPONDER, label="team")
    team = (await client.post("/api/v1/teams", json={"name": "Boats"}, headers=tenant.admin.headers)).json()
    await client.put(f"/api/v1/teams/{team['id']}/members/{member.user_id}", headers=tenant.admin.headers)
    response = await client.get(URL, params={"team_id": team["id"]}, headers=tenant.admin.headers)
    assert listed(response) == [str(member.user_id)]
    assert response.json()["items"][0]["team_ids"] == [team["id"]]


async def test_list_pages_with_a_cursor(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    for label in ("b", "c"):
        await add_member(container, tenant, Role.RESPONDER, label=label)
    first = await client.get(URL, params={"limit": 2}, headers=tenant.admin.headers)
    second = await client.get(
        URL, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=tenant.admin.headers
    )
    ids = listed(first) + listed(second)
    assert len(ids) == len(set(ids)) == 3
    assert second.json()["next_cursor"] is None


async def test_staff_read_one_responder(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{URL}/{tenant.responder.user_id}", headers=tenant.coordinator.headers)
    assert response.status_code == 200
    assert response.json()["last_location"] is None
    assert response.headers["ETag"] == '"1"'


async def test_another_tenants_responder_is_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = f"{URL}/{other_tenant.responder.user_id}"
    assert (await client.get(url, headers=tenant.admin.headers)).status_code == 404
    assert (await client.patch(url, json={"skills": []}, headers=tenant.admin.headers)).status_code == 404


async def test_a_member_without_a_profile_is_not_found(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{URL}/{tenant.reporter.user_id}", headers=tenant.admin.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_read_or_change_other_profiles(
    client: AsyncClient, tenant: Tenant, role: Role
) -> None:
    url = f"{URL}/{tenant.responder.user_id}"
    headers = tenant.members[role].headers
    assert (await client.get(url, headers=headers)).status_code == 403
    assert (await client.patch(url, json={"skills": ["x"]}, headers=headers)).status_code == 403


async def test_responders_read_their_own_profile(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(ME, headers=tenant.responder.headers)
    assert response.status_code == 200
    assert response.json()["user_id"] == str(tenant.responder.user_id)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.REPORTER])
async def test_only_responders_use_the_me_endpoints(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    headers = tenant.members[role].headers
    assert (await client.get(ME, headers=headers)).status_code == 403
    assert (await client.put(f"{ME}/availability", json={"availability": "busy"}, headers=headers)).status_code == 403
    assert (await client.post(f"{ME}/locations", json={"lat": 1, "lon": 1}, headers=headers)).status_code == 403


# --- skills --------------------------------------------------------------------------------------------------------


async def test_skills_are_normalized_and_deduplicated(client: AsyncClient, tenant: Tenant) -> None:
    body = await set_skills(client, tenant, tenant.responder, [" Diving ", "diving", "rope_rescue"])
    assert body["skills"] == ["diving", "rope_rescue"]
    assert body["version"] == 2


@pytest.mark.parametrize("body", [{"skills": ["no spaces"]}, {"skills": ["x" * 49]}, {"skills": None}, {}, {"rank": 1}])
async def test_bad_skill_updates_are_rejected(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> None:
    response = await client.patch(f"{URL}/{tenant.responder.user_id}", json=body, headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_staff_can_set_availability(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(
        f"{URL}/{tenant.responder.user_id}", json={"availability": "off_duty"}, headers=tenant.coordinator.headers
    )
    assert response.json()["availability"] == "off_duty"


async def test_skill_update_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    await set_skills(client, tenant, tenant.responder, ["diving"])
    response = await client.patch(
        f"{URL}/{tenant.responder.user_id}", json={"skills": []}, headers=tenant.admin.headers | {"If-Match": '"1"'}
    )
    assert response.status_code == 412


async def test_skill_change_records_an_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await set_skills(client, tenant, tenant.responder, ["diving"])
    async with container.engine.connect() as connection:
        payloads = (
            await connection.execute(
                select(OutboxEvent.payload).where(OutboxEvent.event_type == "responder.skills_changed")
            )
        ).scalars()
        assert list(payloads) == [
            {"user_id": str(tenant.responder.user_id), "skills": ["diving"], "previous": ["first_aid"]}
        ]


# --- availability --------------------------------------------------------------------------------------------------


async def test_responders_set_their_availability(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.put(f"{ME}/availability", json={"availability": "busy"}, headers=tenant.responder.headers)
    assert response.status_code == 200
    assert response.json()["availability"] == "busy"
    assert response.headers["ETag"] == '"2"'


async def test_repeating_the_same_availability_changes_nothing(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.put(
        f"{ME}/availability", json={"availability": "available"}, headers=tenant.responder.headers
    )
    assert response.headers["ETag"] == '"1"'


async def test_availability_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    await go(client, tenant.responder, "busy")
    response = await client.put(
        f"{ME}/availability", json={"availability": "off_duty"}, headers=tenant.responder.headers | {"If-Match": '"1"'}
    )
    assert response.status_code == 412


@pytest.mark.parametrize("body", [{"availability": "sleeping"}, {}, {"availability": "busy", "mood": "ok"}])
async def test_bad_availability_is_rejected(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> None:
    response = await client.put(f"{ME}/availability", json=body, headers=tenant.responder.headers)
    assert response.status_code == 422


async def test_availability_change_records_an_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await go(client, tenant.responder, "off_duty")
    async with container.engine.connect() as connection:
        row = (
            await connection.execute(
                select(OutboxEvent.payload, OutboxEvent.actor_id).where(
                    OutboxEvent.event_type == "responder.availability_changed"
                )
            )
        ).one()
    assert row.payload["availability"] == "off_duty"
    assert row.payload["previous"] == "available"
    assert row.actor_id == tenant.responder.user_id


async def test_a_responder_without_a_profile_gets_one_on_first_change(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    promoted = await add_member(container, tenant, Role.REPORTER, label="promoted")
    await client.patch(f"/api/v1/users/{promoted.user_id}", json={"role": "responder"}, headers=tenant.admin.headers)
    token = container.signer.issue(
        user_id=promoted.user_id, organization_id=tenant.organization_id, role="responder", membership_version=2
    )
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.put(f"{ME}/availability", json={"availability": "available"}, headers=headers)
    assert response.json()["availability"] == "available"


# --- locations -----------------------------------------------------------------------------------------------------


async def test_posting_a_fix_moves_the_last_location(client: AsyncClient, tenant: Tenant) -> None:
    response = await post_fix(client, tenant.responder, lat=48.1, lon=11.6, accuracy_m=4.5)
    assert response.status_code == 201
    assert response.json()["lat"] == 48.1
    profile = (await client.get(ME, headers=tenant.responder.headers)).json()
    assert profile["last_location"]["lat"] == 48.1
    assert profile["last_location"]["accuracy_m"] == 4.5
    assert profile["version"] == 1


async def test_an_older_fix_is_kept_but_does_not_move_the_last_location(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    now = utcnow()
    await post_fix(client, tenant.responder, lat=10.0, recorded_at=now.isoformat())
    late = await post_fix(client, tenant.responder, lat=20.0, recorded_at=(now - timedelta(minutes=3)).isoformat())
    assert late.status_code == 201
    profile = (await client.get(ME, headers=tenant.responder.headers)).json()
    assert profile["last_location"]["lat"] == 10.0
    async with container.engine.connect() as connection:
        stored = (await connection.execute(select(func.count()).select_from(ResponderLocation))).scalar_one()
    assert stored == 2


async def test_a_fix_from_the_future_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await post_fix(client, tenant.responder, recorded_at=(utcnow() + timedelta(hours=1)).isoformat())
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/recorded_at"


@pytest.mark.parametrize(
    ("fix", "pointer"),
    [
        ({"lat": 91}, "#/lat"),
        ({"lon": -181}, "#/lon"),
        ({"accuracy_m": -1}, "#/accuracy_m"),
        ({"recorded_at": "2026-01-01T10:00:00"}, "#/recorded_at"),
        ({"altitude": 3}, "#/altitude"),
    ],
)
async def test_bad_fixes_name_the_field(client: AsyncClient, tenant: Tenant, fix: dict[str, Any], pointer: str) -> None:
    response = await post_fix(client, tenant.responder, **fix)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_a_fix_records_an_event_off_the_timeline(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await post_fix(client, tenant.responder)
    async with container.engine.connect() as connection:
        row = (
            await connection.execute(
                select(OutboxEvent.payload, OutboxEvent.aggregate_type).where(
                    OutboxEvent.event_type == "responder.location_recorded"
                )
            )
        ).one()
    assert row.aggregate_type == "responder"
    assert row.payload["user_id"] == str(tenant.responder.user_id)
    assert "alert_id" not in row.payload
    assert UUID(row.payload["user_id"]) == tenant.responder.user_id


# --- concurrency -------------------------------------------------------------------------------------------------


async def test_concurrent_availability_changes_with_one_etag_let_one_win(client: AsyncClient, tenant: Tenant) -> None:
    headers = tenant.responder.headers | {"If-Match": '"1"'}
    results = await asyncio.gather(
        client.put(f"{ME}/availability", json={"availability": "busy"}, headers=headers),
        client.put(f"{ME}/availability", json={"availability": "off_duty"}, headers=headers),
    )
    assert sorted(response.status_code for response in results) == [200, 412]
    profile = (await client.get(ME, headers=tenant.responder.headers)).json()
    assert profile["version"] == 2
