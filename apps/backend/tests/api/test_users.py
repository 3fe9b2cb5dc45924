from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select

from sos.auth.membership_watch import MembershipWatch
from sos.core.container import Container
from sos.core.db import utcnow
from sos.core.events import OutboxEvent
from sos.core.security import hash_opaque_token
from sos.responders.models import ResponderProfile
from sos.users.domain import Role
from sos.users.models import Membership
from tests.factories import PASSWORD, Tenant, add_member

URL = "/api/v1/users"
NEW_PASSWORD = "a long enough password"


def new_user(**overrides: Any) -> dict[str, Any]:
    body = {"email": f"new-{secrets.token_hex(4)}@example.com", "full_name": "New Person", "role": "reporter"}
    return body | overrides


async def create(client: AsyncClient, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    response = await client.post(URL, json=new_user(**overrides), headers=tenant.admin.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def login(client: AsyncClient, email: str, password: str, organization: str | None = None) -> Response:
    form = {"grant_type": "password", "username": email, "password": password}
    if organization is not None:
        form["organization"] = organization
    return await client.post("/api/v1/auth/token", data=form)


async def events(container: Container, event_type: str) -> list[dict[str, Any]]:
    async with container.engine.connect() as connection:
        rows = await connection.execute(select(OutboxEvent.payload).where(OutboxEvent.event_type == event_type))
        return [row.payload for row in rows]


# --- listing and reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
async def test_staff_list_every_member_of_their_organization(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, role: Role
) -> None:
    response = await client.get(URL, headers=tenant.members[role].headers)
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {str(member.user_id) for member in tenant.members.values()}


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_list_members(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.get(URL, headers=tenant.members[role].headers)
    assert response.status_code == 403


async def test_list_filters_by_role(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL, params={"role": ["responder", "reporter"]}, headers=tenant.admin.headers)
    assert {item["role"] for item in response.json()["items"]} == {"responder", "reporter"}


async def test_list_filters_by_status(client: AsyncClient, tenant: Tenant) -> None:
    invited = await create(client, tenant)
    response = await client.get(URL, params={"status": "invited"}, headers=tenant.admin.headers)
    assert [item["id"] for item in response.json()["items"]] == [invited["id"]]


async def test_list_rejects_an_unknown_role_filter(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL, params={"role": "overlord"}, headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_list_pages_with_a_cursor(client: AsyncClient, tenant: Tenant) -> None:
    first = await client.get(URL, params={"limit": 3}, headers=tenant.admin.headers)
    second = await client.get(
        URL, params={"limit": 3, "cursor": first.json()["next_cursor"]}, headers=tenant.admin.headers
    )
    ids = [item["id"] for item in first.json()["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 4
    assert second.json()["next_cursor"] is None


async def test_list_rejects_a_forged_cursor(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(URL, params={"cursor": "not-a-cursor"}, headers=tenant.admin.headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("role", list(Role))
async def test_everyone_reads_their_own_profile(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    member = tenant.members[role]
    response = await client.get(f"{URL}/me", headers=member.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(member.user_id)
    assert body["organization_id"] == str(tenant.organization_id)
    assert body["role"] == role.value
    assert body["status"] == "active"
    assert "password_hash" not in body


async def test_staff_read_one_member(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{URL}/{tenant.responder.user_id}", headers=tenant.coordinator.headers)
    assert response.status_code == 200
    assert response.json()["email"] == tenant.responder.email
    assert response.headers["ETag"] == '"1"'


async def test_another_tenants_member_is_not_found(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    response = await client.get(f"{URL}/{other_tenant.reporter.user_id}", headers=tenant.admin.headers)
    assert response.status_code == 404


async def test_unknown_member_is_not_found(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(f"{URL}/{UUID(int=7)}", headers=tenant.admin.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.REPORTER])
async def test_field_roles_cannot_read_other_members(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.get(f"{URL}/{tenant.admin.user_id}", headers=tenant.members[role].headers)
    assert response.status_code == 403


# --- creating and inviting ---------------------------------------------------------------------------------------


async def test_member_created_with_a_password_is_active_and_can_log_in(client: AsyncClient, tenant: Tenant) -> None:
    created = await create(client, tenant, password=NEW_PASSWORD, email="Mixed.Case@Example.com")
    assert created["status"] == "active"
    assert created["invitation_token"] is None
    assert created["email"] == "mixed.case@example.com"
    response = await login(client, "mixed.case@example.com", NEW_PASSWORD)
    assert response.status_code == 200, response.text
    assert response.json()["organization_id"] == str(tenant.organization_id)


async def test_member_created_without_a_password_is_invited_with_a_token(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    created = await create(client, tenant, role="coordinator")
    assert created["status"] == "invited"
    token = created["invitation_token"]
    assert token
    async with container.engine.connect() as connection:
        stored = (
            await connection.execute(
                select(Membership.invitation_token_hash, Membership.invitation_expires_at).where(
                    Membership.user_id == UUID(created["id"])
                )
            )
        ).one()
    assert stored.invitation_token_hash == hash_opaque_token(token)
    assert timedelta(days=6, hours=23) < stored.invitation_expires_at - utcnow() <= timedelta(days=7)


async def test_invited_member_cannot_log_in_yet(client: AsyncClient, tenant: Tenant) -> None:
    created = await create(client, tenant)
    response = await login(client, created["email"], NEW_PASSWORD)
    assert response.status_code == 400


async def test_creation_answers_with_location_and_etag(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(URL, json=new_user(), headers=tenant.admin.headers)
    assert response.headers["Location"] == f"/api/v1/users/{response.json()['id']}"
    assert response.headers["ETag"] == '"1"'


async def test_creating_a_responder_gives_them_an_off_duty_profile(client: AsyncClient, tenant: Tenant) -> None:
    created = await create(client, tenant, role="responder", password=NEW_PASSWORD)
    response = await client.get(f"/api/v1/responders/{created['id']}", headers=tenant.coordinator.headers)
    assert response.status_code == 200
    assert response.json()["availability"] == "off_duty"
    assert response.json()["skills"] == []


async def test_creation_records_an_invitation_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    created = await create(client, tenant, role="responder")
    assert await events(container, "user.invited") == [{"user_id": created["id"], "role": "responder"}]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RESPONDER, Role.REPORTER])
async def test_only_admins_create_members(client: AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.post(URL, json=new_user(), headers=tenant.members[role].headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("password", "too short"),
        ("role", "overlord"),
        ("full_name", ""),
        ("phone", "call me maybe"),
        ("is_superuser", True),
    ],
)
async def test_creation_rejects_bad_fields(client: AsyncClient, tenant: Tenant, field: str, value: Any) -> None:
    response = await client.post(URL, json=new_user(**{field: value}), headers=tenant.admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == f"#/{field}"


async def test_same_email_twice_in_one_organization_conflicts(client: AsyncClient, tenant: Tenant) -> None:
    first = await create(client, tenant)
    response = await client.post(URL, json=new_user(email=first["email"].upper()), headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"


async def test_existing_account_is_only_invited_whatever_password_the_admin_sends(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    outsider = await create(client, other_tenant, password=PASSWORD)
    created = await create(client, tenant, email=outsider["email"], password=NEW_PASSWORD, role="coordinator")
    assert created["id"] == outsider["id"]
    assert created["status"] == "invited"
    assert (await login(client, outsider["email"], NEW_PASSWORD, tenant.slug)).status_code == 400
    assert (await login(client, outsider["email"], PASSWORD, tenant.slug)).status_code == 400


async def test_inviting_organization_sees_no_account_details_before_the_person_joins(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    outsider = await create(client, other_tenant, password=PASSWORD, phone="+49 30 555 0100")
    await login(client, outsider["email"], PASSWORD)
    created = await create(client, tenant, email=outsider["email"])
    assert created["phone"] is None
    assert created["last_login_at"] is None


async def test_existing_account_without_password_is_invited_not_activated(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    pending = await create(client, other_tenant)
    created = await create(client, tenant, email=pending["email"], password=NEW_PASSWORD)
    assert created["status"] == "invited"
    assert (await login(client, pending["email"], NEW_PASSWORD, tenant.slug)).status_code == 400


# --- updating ----------------------------------------------------------------------------------------------------


async def test_admin_updates_name_and_phone(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(
        f"{URL}/{tenant.reporter.user_id}",
        json={"full_name": "Renamed Reporter", "phone": "+49 30 1234567"},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Renamed Reporter"
    assert response.json()["phone"] == "+49 30 1234567"
    assert response.headers["ETag"] == '"2"'


async def _member_of_both(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> dict[str, Any]:
    """A person created in the other organization, then added to this one."""
    person = await create(client, other_tenant, password=NEW_PASSWORD)
    response = await client.post(URL, json=new_user(email=person["email"]), headers=tenant.admin.headers)
    assert response.status_code == 201
    return person


async def test_name_of_a_person_in_other_organizations_cannot_be_changed(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    person = await _member_of_both(client, tenant, other_tenant)
    response = await client.patch(f"{URL}/{person['id']}", json={"full_name": "Hijacked"}, headers=tenant.admin.headers)
    assert response.status_code == 403
    seen_by_other = await client.get(f"{URL}/{person['id']}", headers=other_tenant.admin.headers)
    assert seen_by_other.json()["full_name"] == person["full_name"]


async def test_role_of_a_person_in_other_organizations_can_still_be_changed(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    person = await _member_of_both(client, tenant, other_tenant)
    response = await client.patch(f"{URL}/{person['id']}", json={"role": "coordinator"}, headers=tenant.admin.headers)
    assert response.status_code == 200
    assert response.json()["role"] == "coordinator"


async def test_phone_can_be_cleared(client: AsyncClient, tenant: Tenant) -> None:
    url = f"{URL}/{tenant.reporter.user_id}"
    await client.patch(url, json={"phone": "+1 555 0100"}, headers=tenant.admin.headers)
    response = await client.patch(url, json={"phone": None}, headers=tenant.admin.headers)
    assert response.json()["phone"] is None


async def test_role_change_takes_effect_at_the_next_token(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(
        f"{URL}/{tenant.reporter.user_id}", json={"role": "coordinator"}, headers=tenant.admin.headers
    )
    assert response.json()["role"] == "coordinator"
    token = await login(client, tenant.reporter.email, PASSWORD)
    assert token.json()["role"] == "coordinator"


async def test_role_change_records_an_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await client.patch(f"{URL}/{tenant.reporter.user_id}", json={"role": "coordinator"}, headers=tenant.admin.headers)
    assert await events(container, "membership.role_changed") == [
        {"user_id": str(tenant.reporter.user_id), "from_role": "reporter", "to_role": "coordinator"}
    ]


async def test_becoming_a_responder_creates_a_profile(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await client.patch(f"{URL}/{tenant.reporter.user_id}", json={"role": "responder"}, headers=tenant.admin.headers)
    async with container.engine.connect() as connection:
        profile = (
            await connection.execute(
                select(ResponderProfile.availability).where(ResponderProfile.user_id == tenant.reporter.user_id)
            )
        ).one()
    assert profile.availability == "off_duty"


async def test_the_last_admin_cannot_be_demoted(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(
        f"{URL}/{tenant.admin.user_id}", json={"role": "coordinator"}, headers=tenant.admin.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"


async def test_an_admin_can_be_demoted_while_another_remains(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await add_member(container, tenant, Role.ADMIN, label="second-admin")
    response = await client.patch(
        f"{URL}/{tenant.admin.user_id}", json={"role": "coordinator"}, headers=tenant.admin.headers
    )
    assert response.status_code == 200


async def test_update_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    url = f"{URL}/{tenant.reporter.user_id}"
    await client.patch(url, json={"full_name": "One"}, headers=tenant.admin.headers)
    response = await client.patch(url, json={"full_name": "Two"}, headers=tenant.admin.headers | {"If-Match": '"1"'})
    assert response.status_code == 412
    assert (await client.get(url, headers=tenant.admin.headers)).json()["full_name"] == "One"


async def test_update_with_the_current_etag_succeeds(client: AsyncClient, tenant: Tenant) -> None:
    url = f"{URL}/{tenant.reporter.user_id}"
    etag = (await client.get(url, headers=tenant.admin.headers)).headers["ETag"]
    response = await client.patch(url, json={"full_name": "Two"}, headers=tenant.admin.headers | {"If-Match": etag})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body", [{}, {"full_name": None}, {"role": None}, {"role": "overlord"}, {"email": "x@example.com"}]
)
async def test_update_rejects_bad_bodies(client: AsyncClient, tenant: Tenant, body: dict[str, Any]) -> None:
    response = await client.patch(f"{URL}/{tenant.reporter.user_id}", json=body, headers=tenant.admin.headers)
    assert response.status_code == 422


async def test_coordinators_cannot_update_members(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.patch(
        f"{URL}/{tenant.reporter.user_id}", json={"role": "admin"}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 403


async def test_another_tenants_member_cannot_be_updated(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await client.patch(
        f"{URL}/{other_tenant.reporter.user_id}", json={"full_name": "Hijacked"}, headers=tenant.admin.headers
    )
    assert response.status_code == 404


# --- deactivating and reactivating -----------------------------------------------------------------------------------


async def test_deactivation_ends_access(client: AsyncClient, tenant: Tenant) -> None:
    session = await login(client, tenant.responder.email, PASSWORD)
    response = await client.post(f"{URL}/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "deactivated"
    assert response.json()["deactivated_at"] is not None
    refreshed = await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": session.json()["refresh_token"]}
    )
    assert refreshed.status_code == 400
    assert (await login(client, tenant.responder.email, PASSWORD)).status_code == 400


async def test_deactivation_ends_live_access_tokens_once_the_change_is_seen(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await client.post(f"{URL}/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers)
    await container.memberships.refresh()
    response = await client.get(f"{URL}/me", headers=tenant.responder.headers)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_a_role_change_ends_tokens_issued_for_the_old_role(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await client.patch(f"{URL}/{tenant.reporter.user_id}", json={"role": "coordinator"}, headers=tenant.admin.headers)
    await container.memberships.refresh()
    assert (await client.get(f"{URL}/me", headers=tenant.reporter.headers)).status_code == 401


async def test_a_token_issued_after_a_role_change_carries_the_new_role(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await client.patch(f"{URL}/{tenant.reporter.user_id}", json={"role": "coordinator"}, headers=tenant.admin.headers)
    await container.memberships.refresh()
    session = await login(client, tenant.reporter.email, PASSWORD)
    headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
    me = await client.get(f"{URL}/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "coordinator"


async def test_other_members_keep_their_tokens_when_one_changes(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await client.post(f"{URL}/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers)
    await container.memberships.refresh()
    assert (await client.get(f"{URL}/me", headers=tenant.reporter.headers)).status_code == 200


async def test_deactivation_records_an_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    await client.post(f"{URL}/{tenant.reporter.user_id}/deactivate", headers=tenant.admin.headers)
    assert await events(container, "membership.deactivated") == [
        {"user_id": str(tenant.reporter.user_id), "from_status": "active"}
    ]


async def test_deactivating_twice_conflicts(client: AsyncClient, tenant: Tenant) -> None:
    url = f"{URL}/{tenant.reporter.user_id}/deactivate"
    await client.post(url, headers=tenant.admin.headers)
    response = await client.post(url, headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


async def test_the_last_admin_cannot_be_deactivated(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(f"{URL}/{tenant.admin.user_id}/deactivate", headers=tenant.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"


async def test_an_admin_may_step_down_while_another_remains(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await add_member(container, tenant, Role.ADMIN, label="second-admin")
    response = await client.post(f"{URL}/{tenant.admin.user_id}/deactivate", headers=tenant.admin.headers)
    assert response.status_code == 200


async def test_a_deactivated_admin_does_not_count_as_the_remaining_admin(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    second = await add_member(container, tenant, Role.ADMIN, label="second-admin")
    await client.post(f"{URL}/{second.user_id}/deactivate", headers=tenant.admin.headers)
    response = await client.patch(
        f"{URL}/{tenant.admin.user_id}", json={"role": "reporter"}, headers=tenant.admin.headers
    )
    assert response.status_code == 409


async def test_deactivation_with_a_stale_etag_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        f"{URL}/{tenant.reporter.user_id}/deactivate", headers=tenant.admin.headers | {"If-Match": '"9"'}
    )
    assert response.status_code == 412


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "invitation"])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RESPONDER, Role.REPORTER])
async def test_only_admins_change_membership_status(
    client: AsyncClient, tenant: Tenant, action: str, role: Role
) -> None:
    response = await client.post(f"{URL}/{tenant.reporter.user_id}/{action}", headers=tenant.members[role].headers)
    assert response.status_code == 403


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "invitation"])
async def test_another_tenants_membership_is_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant, action: str
) -> None:
    response = await client.post(f"{URL}/{other_tenant.reporter.user_id}/{action}", headers=tenant.admin.headers)
    assert response.status_code == 404


async def test_reactivation_restores_access(client: AsyncClient, tenant: Tenant) -> None:
    await client.post(f"{URL}/{tenant.reporter.user_id}/deactivate", headers=tenant.admin.headers)
    response = await client.post(f"{URL}/{tenant.reporter.user_id}/reactivate", headers=tenant.admin.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["deactivated_at"] is None
    assert (await login(client, tenant.reporter.email, PASSWORD)).status_code == 200


async def test_reactivating_an_account_without_password_makes_it_invited(client: AsyncClient, tenant: Tenant) -> None:
    invited = await create(client, tenant)
    await client.post(f"{URL}/{invited['id']}/deactivate", headers=tenant.admin.headers)
    response = await client.post(f"{URL}/{invited['id']}/reactivate", headers=tenant.admin.headers)
    assert response.json()["status"] == "invited"


async def test_reactivating_an_active_member_conflicts(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(f"{URL}/{tenant.reporter.user_id}/reactivate", headers=tenant.admin.headers)
    assert response.status_code == 409


# --- renewing invitations ----------------------------------------------------------------------------------------


async def test_renewed_invitation_replaces_the_old_token(client: AsyncClient, tenant: Tenant) -> None:
    invited = await create(client, tenant)
    response = await client.post(f"{URL}/{invited['id']}/invitation", headers=tenant.admin.headers)
    assert response.status_code == 200
    fresh = response.json()["invitation_token"]
    assert fresh
    assert fresh != invited["invitation_token"]
    accept = "/api/v1/invitations/accept"
    old = await client.post(accept, json={"token": invited["invitation_token"], "password": NEW_PASSWORD})
    assert old.status_code == 400
    new = await client.post(accept, json={"token": fresh, "password": NEW_PASSWORD})
    assert new.status_code == 200


async def test_active_members_get_no_invitation(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(f"{URL}/{tenant.reporter.user_id}/invitation", headers=tenant.admin.headers)
    assert response.status_code == 409


# --- concurrency -------------------------------------------------------------------------------------------------


async def test_two_admins_deactivating_each_other_at_once_leave_one_admin(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    second = await add_member(container, tenant, Role.ADMIN, label="second-admin")
    results = await asyncio.gather(
        client.post(f"{URL}/{second.user_id}/deactivate", headers=tenant.admin.headers),
        client.post(f"{URL}/{tenant.admin.user_id}/deactivate", headers=second.headers),
    )
    assert sorted(response.status_code for response in results) == [200, 409]
    admins = await client.get(URL, params={"role": "admin", "status": "active"}, headers=tenant.coordinator.headers)
    assert len(admins.json()["items"]) == 1


async def test_concurrent_updates_with_the_same_etag_let_one_win(client: AsyncClient, tenant: Tenant) -> None:
    url = f"{URL}/{tenant.reporter.user_id}"
    headers = tenant.admin.headers | {"If-Match": '"1"'}
    results = await asyncio.gather(
        client.patch(url, json={"full_name": "Left"}, headers=headers),
        client.patch(url, json={"full_name": "Right"}, headers=headers),
    )
    assert sorted(response.status_code for response in results) == [200, 412]


async def test_a_newly_started_process_refuses_tokens_of_a_member_deactivated_before_it_started(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await client.post(f"{URL}/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers)
    watch = MembershipWatch(container.engine, token_ttl_seconds=300, poll_seconds=60)
    await watch.start()
    try:
        assert not watch.is_current(user_id=tenant.responder.user_id, organization_id=tenant.organization_id, version=1)
    finally:
        await watch.stop()
