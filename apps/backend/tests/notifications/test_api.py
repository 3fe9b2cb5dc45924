"""The user's in-app inbox: GET /me/notifications and POST /me/notifications/{id}/read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from httpx import AsyncClient

from sos.core.container import Container
from tests.factories import Member, Tenant, raise_sos
from tests.notifications.helpers import consume, count_events, escalated, notifications_of, pending_notification

INBOX = "/api/v1/me/notifications"


async def _notify(client: AsyncClient, container: Container, tenant: Tenant, *members: Member) -> str:
    alert = await raise_sos(client, tenant.reporter)
    await consume(container, escalated(tenant, alert["id"], [member.user_id for member in members]))
    return str(alert["id"])


async def _inbox(client: AsyncClient, member: Member, **params: Any) -> dict[str, Any]:
    response = await client.get(INBOX, params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_inbox_lists_your_own_notifications_newest_first(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    first = await _notify(client, container, tenant, tenant.responder)
    await _notify(client, container, tenant, tenant.coordinator)
    second = await _notify(client, container, tenant, tenant.responder)
    items = (await _inbox(client, tenant.responder))["items"]
    assert [item["alert_id"] for item in items] == [second, first]
    assert items[0]["status"] == "delivered"
    assert items[0]["read_at"] is None
    assert items[0]["delivered_at"].endswith("Z") or items[0]["delivered_at"].endswith("+00:00")


async def test_the_inbox_comes_a_page_at_a_time(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    for _ in range(3):
        await _notify(client, container, tenant, tenant.responder)
    everything = [item["id"] for item in (await _inbox(client, tenant.responder))["items"]]
    seen: list[str] = []
    page = await _inbox(client, tenant.responder, limit=2)
    seen += [item["id"] for item in page["items"]]
    page = await _inbox(client, tenant.responder, limit=2, cursor=page["next_cursor"])
    seen += [item["id"] for item in page["items"]]
    assert page["next_cursor"] is None
    assert seen == everything


async def test_reading_a_notification_marks_it_read_once(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _notify(client, container, tenant, tenant.responder)
    (item,) = (await _inbox(client, tenant.responder))["items"]
    url = f"{INBOX}/{item['id']}/read"
    first = await client.post(url, headers=tenant.responder.headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "read"
    again = await client.post(url, headers=tenant.responder.headers)
    assert again.status_code == 200, again.text
    assert again.json()["read_at"] == first.json()["read_at"]
    assert await count_events(container, "notification.read", UUID(item["id"])) == 1


async def test_the_unread_filter_leaves_out_what_you_have_read(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _notify(client, container, tenant, tenant.responder)
    newer = await _notify(client, container, tenant, tenant.responder)
    read_one = (await _inbox(client, tenant.responder))["items"][1]
    response = await client.post(f"{INBOX}/{read_one['id']}/read", headers=tenant.responder.headers)
    assert response.status_code == 200, response.text
    unread = (await _inbox(client, tenant.responder, unread="true"))["items"]
    assert [item["alert_id"] for item in unread] == [newer]
    assert len((await _inbox(client, tenant.responder))["items"]) == 2


async def test_another_users_notification_is_not_found(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _notify(client, container, tenant, tenant.responder)
    (item,) = (await _inbox(client, tenant.responder))["items"]
    for stranger in (tenant.coordinator, tenant.admin, other_tenant.responder):
        response = await client.post(f"{INBOX}/{item['id']}/read", headers=stranger.headers)
        assert response.status_code == 404, response.text
        assert (await _inbox(client, stranger))["items"] == []
    (row,) = await notifications_of(container, tenant.responder.user_id)
    assert row.read_at is None


async def test_a_notification_not_yet_delivered_is_not_in_the_inbox(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    event = escalated(tenant, alert["id"], [tenant.responder.user_id])
    notification_id = await pending_notification(container, tenant.responder.user_id, event)
    assert (await _inbox(client, tenant.responder))["items"] == []
    response = await client.post(f"{INBOX}/{notification_id}/read", headers=tenant.responder.headers)
    assert response.status_code == 404, response.text


async def test_a_cursor_the_api_did_not_issue_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(INBOX, params={"cursor": "not-a-cursor"}, headers=tenant.responder.headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_cursor"


async def test_a_limit_out_of_range_names_the_field(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(INBOX, params={"limit": 0}, headers=tenant.responder.headers)
    assert response.status_code == 422, response.text
    assert "limit" in response.text


async def test_a_malformed_notification_id_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(f"{INBOX}/not-a-uuid/read", headers=tenant.responder.headers)
    assert response.status_code == 422, response.text
    assert "notification_id" in response.text
