import base64
import json
from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import func, select

from sos.alerts.events import alert_event
from sos.core.bus import consume_once
from sos.core.container import Container
from sos.timeline.consumer import TimelineProjection
from sos.timeline.models import TimelineEntry
from sos.users.domain import Role
from tests.factories import Member, Tenant, add_member, raise_sos


async def timeline(client: AsyncClient, member: Member, url: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(url, params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def open_incident(client: AsyncClient, tenant: Tenant, alert_ids: list[str]) -> str:
    response = await client.post(
        "/api/v1/incidents", json={"title": "Flood", "alert_ids": alert_ids}, headers=tenant.coordinator.headers
    )
    assert response.status_code == 201, response.text
    incident_id: str = response.json()["id"]
    return incident_id


async def test_alert_timeline_lists_its_events_oldest_first(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers)
    await container.relay.drain()

    items = await timeline(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/timeline")

    assert [item["kind"] for item in items] == ["alert.triggered", "alert.acknowledged"]


async def test_a_timeline_entry_describes_its_event(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers)
    await container.relay.drain()

    entry = (await timeline(client, tenant.coordinator, f"/api/v1/alerts/{alert['id']}/timeline"))[-1]

    assert set(entry) == {"id", "kind", "occurred_at", "actor_id", "alert_id", "incident_id", "data"}
    assert entry["actor_id"] == str(tenant.coordinator.user_id)
    assert entry["alert_id"] == alert["id"]
    assert entry["incident_id"] is None
    assert entry["data"]["to_status"] == "acknowledged"


async def test_location_updates_stay_off_the_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await client.post(
        f"/api/v1/alerts/{alert['id']}/locations", json={"lat": 52.5, "lon": 13.4}, headers=tenant.reporter.headers
    )
    await container.relay.drain()

    items = await timeline(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/timeline")

    assert [item["kind"] for item in items] == ["alert.triggered"]


async def test_incident_timeline_shows_the_transitions_of_its_merged_alerts(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident_id = await open_incident(client, tenant, [alert["id"]])
    await client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=tenant.coordinator.headers)
    await client.post(f"/api/v1/alerts/{alert['id']}/resolve", headers=tenant.coordinator.headers)
    await container.relay.drain()

    items = await timeline(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/timeline")

    assert [item["kind"] for item in items] == [
        "alert.triggered",
        "incident.opened",
        "alert.merged",
        "alert.acknowledged",
        "alert.resolved",
    ]


async def test_incident_timeline_gathers_every_alert_in_it(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    first = await raise_sos(client, tenant.reporter)
    second = await raise_sos(client, tenant.reporter)
    outside = await raise_sos(client, tenant.reporter)
    incident_id = await open_incident(client, tenant, [first["id"], second["id"]])
    await container.relay.drain()

    items = await timeline(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/timeline")

    triggered = {item["alert_id"] for item in items if item["kind"] == "alert.triggered"}
    assert triggered == {first["id"], second["id"]}
    assert outside["id"] not in {item["alert_id"] for item in items}


async def test_a_message_on_a_merged_alert_lands_on_the_incident_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident_id = await open_incident(client, tenant, [alert["id"]])
    await client.post(
        f"/api/v1/alerts/{alert['id']}/messages", json={"body": "Water is rising"}, headers=tenant.reporter.headers
    )
    await container.relay.drain()

    items = await timeline(client, tenant.coordinator, f"/api/v1/incidents/{incident_id}/timeline")

    assert items[-1]["kind"] == "message.posted"
    assert items[-1]["data"]["body"] == "Water is rising"


async def test_incident_timeline_comes_a_page_at_a_time(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alerts = [await raise_sos(client, tenant.reporter) for _ in range(3)]
    incident_id = await open_incident(client, tenant, [alert["id"] for alert in alerts])
    await container.relay.drain()
    url = f"/api/v1/incidents/{incident_id}/timeline"
    everything = await timeline(client, tenant.coordinator, url)

    paged: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=tenant.coordinator.headers)).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(everything) == 7
    assert [item["id"] for item in paged] == [item["id"] for item in everything]


async def test_responder_sees_only_their_alerts_on_an_incident_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    mine = await raise_sos(client, tenant.reporter)
    other = await raise_sos(client, tenant.reporter)
    await client.post(
        f"/api/v1/alerts/{mine['id']}/assignments",
        json={"responder_ids": [str(tenant.responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    incident_id = await open_incident(client, tenant, [mine["id"], other["id"]])
    await container.relay.drain()

    items = await timeline(client, tenant.responder, f"/api/v1/incidents/{incident_id}/timeline")

    assert {item["alert_id"] for item in items} == {mine["id"], None}


async def test_reporter_may_not_read_an_incident_timeline(client: AsyncClient, tenant: Tenant) -> None:
    incident_id = await open_incident(client, tenant, [])

    response = await client.get(f"/api/v1/incidents/{incident_id}/timeline", headers=tenant.reporter.headers)

    assert response.status_code == 403


async def test_another_tenants_incident_timeline_is_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    incident_id = await open_incident(client, other_tenant, [])

    response = await client.get(f"/api/v1/incidents/{incident_id}/timeline", headers=tenant.coordinator.headers)

    assert response.status_code == 404


async def test_another_reporters_alert_timeline_is_not_found(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    stranger = await add_member(container, tenant, Role.REPORTER, label="stranger")

    response = await client.get(f"/api/v1/alerts/{alert['id']}/timeline", headers=stranger.headers)

    assert response.status_code == 404


async def test_another_tenants_alert_timeline_is_not_found(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    alert = await raise_sos(client, other_tenant.reporter)

    response = await client.get(f"/api/v1/alerts/{alert['id']}/timeline", headers=tenant.admin.headers)

    assert response.status_code == 404


async def test_a_forged_timeline_cursor_is_a_bad_request(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)

    response = await client.get(
        f"/api/v1/alerts/{alert['id']}/timeline", params={"cursor": "bm9wZQ"}, headers=tenant.reporter.headers
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_a_cursor_without_a_time_zone_is_a_bad_request(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    naive = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", alert["id"]]).encode()).decode()

    response = await client.get(
        f"/api/v1/alerts/{alert['id']}/timeline", params={"cursor": naive}, headers=tenant.reporter.headers
    )

    assert response.status_code == 400


async def test_a_redelivered_event_adds_no_second_entry(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await container.relay.drain()
    event = alert_event(
        "escalated",
        alert_id=UUID(alert["id"]),
        organization_id=tenant.organization_id,
        actor_id=None,
        level=2,
    )
    projection = TimelineProjection()

    applied = [await consume_once(container.uow_factory, projection, [event]) for _ in range(2)]

    async with container.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(TimelineEntry).where(TimelineEntry.event_id == event.id)
        )
    assert applied == [1, 0]
    assert count == 1
    items = await timeline(client, tenant.reporter, f"/api/v1/alerts/{alert['id']}/timeline")
    assert [item["kind"] for item in items] == ["alert.triggered", "alert.escalated"]
