"""The SSE stream over a real socket: ready, changes, replay after a reconnect, resync, heartbeats and the end."""

from __future__ import annotations

import json

import pytest
from httpx import AsyncClient

from sos.core.container import Container
from sos.stream.domain import Cursor
from tests.factories import Tenant, raise_sos
from tests.stream.support import fence, filler, open_stream, token_expiring_in, viewer_of


async def test_a_stream_opens_with_ready_naming_the_cursor_heartbeat_and_token_expiry(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with open_stream(server, tenant.coordinator.token) as stream:
        ready = await stream.next()
    assert ready.name == "ready"
    assert Cursor.parse(ready.data["cursor"]) is not None
    assert ready.data["heartbeat_seconds"] == container.settings.stream_heartbeat_seconds
    assert ready.data["expires_at"].startswith(str(container.signer.verify(tenant.coordinator.token).expires_at.date()))


async def test_an_sos_reaches_a_coordinator_as_a_change_with_topics_and_allowlisted_data(
    server: str, client: AsyncClient, tenant: Tenant
) -> None:
    async with open_stream(server, tenant.coordinator.token) as stream:
        await stream.until("ready")
        alert = await raise_sos(client, tenant.reporter)
        changes = await stream.changes_until_fence(await fence(client, tenant))
    triggered = next(change for change in changes if change.type == "alert.triggered")
    assert Cursor.parse(triggered.id or "") is not None
    assert triggered.data["alert_id"] == triggered.data["aggregate_id"] == alert["id"]
    assert set(triggered.data["topics"]) == {"alerts", "alert", "timeline"}
    assert triggered.data["data"] == {
        "severity": "high",
        "category": "medical",
        "source": "app",
        "lat": 52.52,
        "lon": 13.405,
        "accuracy_m": 12.0,
    }
    assert "note" not in triggered.data["data"]


async def test_a_reconnect_with_last_event_id_replays_exactly_what_was_missed(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    coordinator = tenant.coordinator
    async with open_stream(server, coordinator.token) as stream:
        await stream.until("ready")
        first = await raise_sos(client, tenant.reporter)
        before = await stream.changes_until_fence(await fence(client, tenant))
    last_seen = before[-1].id
    # While the client is away: a second SOS, an acknowledgement and a message.
    second = await raise_sos(client, tenant.reporter)
    acknowledged = await client.post(f"/api/v1/alerts/{first['id']}/acknowledge", headers=coordinator.headers)
    assert acknowledged.status_code == 200, acknowledged.text
    posted = await client.post(
        f"/api/v1/alerts/{second['id']}/messages", json={"body": "on my way"}, headers=coordinator.headers
    )
    assert posted.status_code == 201, posted.text
    missed_fence = await fence(client, tenant)
    await container.relay.drain()

    async with open_stream(server, coordinator.token, last_event_id=last_seen) as stream:
        replayed = await stream.until("ready")
    changes = [event for event in replayed if event.name == "change"]
    assert replayed[-1].name == "ready"
    assert replayed[-1].data["cursor"] == changes[-1].id
    kinds = [change.type for change in changes]
    assert {"alert.triggered", "alert.acknowledged", "message.posted"} <= set(kinds)
    assert kinds[-1] == "organization.updated"
    assert changes[-1].data["aggregate_id"] == missed_fence
    seen_before = {event.data["id"] for event in before}
    replayed_ids = [change.data["id"] for change in changes]
    assert len(replayed_ids) == len(set(replayed_ids)), "no duplicates in the replay"
    assert seen_before.isdisjoint(replayed_ids), "nothing seen before is replayed"
    cursor = Cursor.parse(last_seen or "")
    assert cursor is not None
    logged = await container.stream.log.read_after(str(tenant.organization_id), cursor, 1000)
    viewer = viewer_of(coordinator)
    assert replayed_ids == [json.loads(entry.change)["id"] for entry in logged if entry.audience.admits(viewer)]


async def test_last_event_id_may_come_as_a_query_parameter(server: str, client: AsyncClient, tenant: Tenant) -> None:
    async with open_stream(server, tenant.coordinator.token) as stream:
        await stream.until("ready")
        await raise_sos(client, tenant.reporter)
        before = await stream.changes_until_fence(await fence(client, tenant))
    await raise_sos(client, tenant.reporter)
    async with open_stream(server, tenant.coordinator.token, query={"last_event_id": before[0].id or ""}) as stream:
        replayed = await stream.until("ready")
    assert [event.data["id"] for event in replayed if event.name == "change"][: len(before) - 1] == [
        event.data["id"] for event in before[1:]
    ]


async def test_a_cursor_older_than_the_retained_log_gets_a_gap_resync_then_ready(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    async with open_stream(server, tenant.coordinator.token) as stream:
        old_cursor = (await stream.until("ready"))[-1].data["cursor"]
    await container.stream.log.append(filler(tenant, container.settings.stream_retention_events + 50))
    async with open_stream(server, tenant.coordinator.token, last_event_id=old_cursor) as stream:
        resync, ready = await stream.next(), await stream.next()
    assert (resync.name, resync.data) == ("resync", {"reason": "gap"})
    assert ready.name == "ready"
    assert ready.data["cursor"] == str(await container.stream.log.head(str(tenant.organization_id)))


async def test_a_cursor_of_another_epoch_gets_a_stream_reset_resync(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    head = await container.stream.log.head(str(tenant.organization_id))
    elsewhere = str(Cursor("0ddba11", head.position))
    async with open_stream(server, tenant.coordinator.token, last_event_id=elsewhere) as stream:
        resync, ready = await stream.next(), await stream.next()
    assert (resync.name, resync.data) == ("resync", {"reason": "stream_reset"})
    assert ready.name == "ready"


async def test_a_cursor_that_is_not_one_gets_a_stream_reset_resync(
    server: str, client: AsyncClient, tenant: Tenant
) -> None:
    async with open_stream(server, tenant.coordinator.token, last_event_id="not-a-cursor") as stream:
        resync = await stream.next()
    assert (resync.name, resync.data) == ("resync", {"reason": "stream_reset"})


async def test_an_idle_stream_gets_heartbeats(server: str, client: AsyncClient, tenant: Tenant) -> None:
    async with open_stream(server, tenant.responder.token) as stream:
        await stream.until("ready")
        first = await stream.next(heartbeats=True)
        second = await stream.next(heartbeats=True)
    assert first.name == second.name == "heartbeat"
    assert first.data["at"] < second.data["at"]


async def test_the_stream_ends_with_token_expired_when_the_access_token_expires(
    server: str, client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    token = token_expiring_in(container, tenant.coordinator, seconds=5)
    expires_at = container.signer.verify(token).expires_at
    async with open_stream(server, token) as stream:
        ready = (await stream.until("ready"))[-1]
        expired = await stream.next()
        assert await stream.ended()
    assert (expired.name, expired.data) == ("token_expired", {"reason": "expired"})
    assert ready.data["expires_at"] == expires_at.isoformat()


async def test_deactivating_a_member_ends_their_open_stream(server: str, client: AsyncClient, tenant: Tenant) -> None:
    async with open_stream(server, tenant.responder.token) as stream:
        await stream.until("ready")
        deactivated = await client.post(
            f"/api/v1/users/{tenant.responder.user_id}/deactivate", headers=tenant.admin.headers
        )
        assert deactivated.status_code == 200, deactivated.text
        ending = (await stream.until("token_expired"))[-1]
        assert await stream.ended()
    assert ending.data == {"reason": "membership_changed"}


async def test_a_stream_without_a_token_is_refused_with_401(server: str, client: AsyncClient) -> None:
    with pytest.raises(AssertionError, match=r"expected 200, got 401: .*not_authenticated"):
        async with open_stream(server, None):
            pass


@pytest.mark.parametrize("kind", ["garbage", "expired"])
async def test_a_stream_with_a_bad_token_is_refused_with_401(
    server: str, client: AsyncClient, container: Container, tenant: Tenant, kind: str
) -> None:
    token = "not.a.jwt" if kind == "garbage" else token_expiring_in(container, tenant.coordinator, seconds=-5)
    async with open_stream(server, token, expect=401) as refused:
        problem = refused.response.json()
    assert problem["code"] == "invalid_token"
    assert refused.response.headers["content-type"] == "application/problem+json"
