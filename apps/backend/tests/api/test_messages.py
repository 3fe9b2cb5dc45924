from typing import Any

from httpx import AsyncClient, Response

from sos.core.container import Container
from sos.users.domain import Role
from tests.factories import Member, Tenant, add_member, raise_sos


async def post(client: AsyncClient, member: Member, url: str, body: Any) -> Response:
    return await client.post(url, json={"body": body}, headers=member.headers)


async def new_incident(client: AsyncClient, tenant: Tenant) -> str:
    response = await client.post("/api/v1/incidents", json={"title": "Storm"}, headers=tenant.coordinator.headers)
    assert response.status_code == 201, response.text
    incident_id: str = response.json()["id"]
    return incident_id


async def test_reporter_posts_a_message_on_their_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await post(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/messages", "  I am on the roof  ")

    assert response.status_code == 201
    message = response.json()
    assert message["body"] == "I am on the roof"
    assert message["alert_id"] == alert["id"]
    assert message["incident_id"] is None
    assert message["author_id"] == str(tenant.reporter.user_id)


async def test_assigned_responder_and_reporter_talk_on_an_alert(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(
        f"/api/v1/alerts/{alert['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    url = f"/api/v1/alerts/{alert['id']}/messages"
    await post(client, tenant.reporter, url, "Where are you?")
    await post(client, tenant.responder, url, "Two minutes away")

    response = await client.get(url, headers=tenant.reporter.headers)

    assert [item["body"] for item in response.json()["items"]] == ["Where are you?", "Two minutes away"]


async def test_unassigned_responder_cannot_see_alert_messages(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await client.get(f"/api/v1/alerts/{alert['id']}/messages", headers=tenant.responder.headers)

    assert response.status_code == 404


async def test_another_reporter_cannot_post_on_an_alert(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    stranger = await add_member(container, tenant, Role.REPORTER, label="stranger")

    response = await post(client, stranger, f"/api/v1/alerts/{alert['id']}/messages", "hello")

    assert response.status_code == 404


async def test_another_tenant_cannot_read_alert_messages(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await client.get(f"/api/v1/alerts/{alert['id']}/messages", headers=other_tenant.admin.headers)

    assert response.status_code == 404


async def test_a_blank_message_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await post(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/messages", "   ")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body"


async def test_a_message_over_4000_characters_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await post(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/messages", "x" * 4001)

    assert response.status_code == 422


async def test_a_message_of_exactly_4000_characters_is_accepted(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await post(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/messages", "x" * 4000)

    assert response.status_code == 201


async def test_unknown_fields_in_a_message_are_rejected(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/messages",
        json={"body": "hi", "urgent": True},
        headers=tenant.reporter.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/urgent"


async def test_alert_messages_come_a_page_at_a_time_oldest_first(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    url = f"/api/v1/alerts/{alert['id']}/messages"
    for n in range(3):
        await post(client, tenant.coordinator, url, f"update {n}")

    first = (await client.get(url, params={"limit": 2}, headers=tenant.coordinator.headers)).json()
    second = (
        await client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=tenant.coordinator.headers)
    ).json()

    assert [item["body"] for item in first["items"] + second["items"]] == ["update 0", "update 1", "update 2"]
    assert second["next_cursor"] is None


async def test_coordinator_posts_on_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    incident_id = await new_incident(client, tenant)

    response = await post(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/messages", "Sandbags at 5")

    assert response.status_code == 201
    assert response.json()["incident_id"] == incident_id
    assert response.json()["alert_id"] is None


async def test_responder_reads_and_posts_incident_messages(client: AsyncClient, tenant: Tenant) -> None:
    incident_id = await new_incident(client, tenant)
    url = f"/api/v1/incidents/{incident_id}/messages"
    await post(client, tenant.coordinator, url, "Who is near the bridge?")
    await post(client, tenant.responder, url, "I am")

    response = await client.get(url, headers=tenant.responder.headers)

    assert [item["body"] for item in response.json()["items"]] == ["Who is near the bridge?", "I am"]


async def test_reporter_may_not_post_on_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    incident_id = await new_incident(client, tenant)

    response = await post(client, tenant.reporter, f"/api/v1/incidents/{incident_id}/messages", "hello")

    assert response.status_code == 403


async def test_reporter_may_not_read_incident_messages(client: AsyncClient, tenant: Tenant) -> None:
    incident_id = await new_incident(client, tenant)

    response = await client.get(f"/api/v1/incidents/{incident_id}/messages", headers=tenant.reporter.headers)

    assert response.status_code == 403


async def test_another_tenants_incident_messages_are_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    incident_id = await new_incident(client, other_tenant)

    response = await post(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/messages", "hello")

    assert response.status_code == 404


async def test_incident_messages_stay_off_its_alerts(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident_id = await new_incident(client, tenant)
    await post(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/messages", "staff only")

    response = await client.get(f"/api/v1/alerts/{alert['id']}/messages", headers=tenant.reporter.headers)

    assert response.json()["items"] == []


async def test_a_message_lands_on_the_alert_timeline(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await raise_sos(client, tenant.reporter)
    message = (await post(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/messages", "Hurry")).json()
    await container.relay.drain()

    response = await client.get(f"/api/v1/alerts/{alert['id']}/timeline", headers=tenant.reporter.headers)

    entry = response.json()["items"][-1]
    assert entry["kind"] == "message.posted"
    assert entry["actor_id"] == str(tenant.reporter.user_id)
    assert entry["data"] == {
        "alert_id": alert["id"],
        "message_id": message["id"],
        "author_id": str(tenant.reporter.user_id),
        "body": "Hurry",
    }


async def test_an_incident_message_lands_on_the_incident_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    incident_id = await new_incident(client, tenant)
    await post(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/messages", "Regroup at the school")
    await container.relay.drain()

    response = await client.get(f"/api/v1/incidents/{incident_id}/timeline", headers=tenant.coordinator.headers)

    assert response.json()["items"][-1]["kind"] == "message.posted"
    assert response.json()["items"][-1]["incident_id"] == incident_id
