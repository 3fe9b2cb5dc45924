"""iCalendar feeds: token URLs that calendar apps can fetch without a session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient
from icalendar import Calendar

from sos.core.db import utcnow
from tests.factories import Tenant
from tests.schedules.api import SCHEDULES, create_schedule, daily_layer, schedule_body


def _events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def _span(event: Any) -> tuple[datetime, datetime]:
    return event.decoded("dtstart"), event.decoded("dtend")


async def _feed_url(client: AsyncClient, tenant: Tenant, schedule_id: str) -> str:
    response = await client.post(f"{SCHEDULES}/{schedule_id}/feed-token", headers=tenant.admin.headers)
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    return url


async def test_the_schedule_feed_parses_and_matches_the_shifts(client: AsyncClient, tenant: Tenant) -> None:
    body = schedule_body(daily_layer(tenant.responder.user_id, tenant.admin.user_id))
    created = await create_schedule(client, tenant.admin, body)
    url = await _feed_url(client, tenant, created["id"])
    feed = await client.get(url, params={"weeks": 4})
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    assert str(calendar["X-WR-CALNAME"]) == "On call: Berlin on call"
    events = _events(feed.content)
    first, last = _span(events[0])[0], _span(events[-1])[1]
    shifts = await client.get(
        f"{SCHEDULES}/{created['id']}/shifts",
        params={"start": first.isoformat(), "end": last.isoformat()},
        headers=tenant.admin.headers,
    )
    expected = [
        (datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])) for s in shifts.json()["shifts"]
    ]
    assert [_span(event) for event in events] == expected
    assert len(events) >= 28


async def test_feed_uids_are_stable_between_fetches(
    client: AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = await _feed_url(client, tenant, created["id"])
    # One moment for both fetches: a handoff between them would rightly change the window of shifts served.
    moment = utcnow()
    monkeypatch.setattr("sos.schedules.router.utcnow", lambda: moment)
    first = {str(e["UID"]): _span(e) for e in _events((await client.get(url)).content)}
    second = {str(e["UID"]): _span(e) for e in _events((await client.get(url)).content)}
    assert first == second
    assert len(set(first)) == len(first)


async def test_rotating_the_token_revokes_the_old_url(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    old = await _feed_url(client, tenant, created["id"])
    new = await _feed_url(client, tenant, created["id"])
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200


async def test_a_bad_token_is_not_found(client: AsyncClient) -> None:
    for kind in ("schedules", "users"):
        response = await client.get(f"/api/v1/oncall-feeds/{kind}/not-a-real-token.ics")
        assert response.status_code == 404, response.text


async def test_a_schedule_token_does_not_open_a_user_feed(client: AsyncClient, tenant: Tenant) -> None:
    created = await create_schedule(client, tenant.admin, schedule_body(daily_layer(tenant.responder.user_id)))
    url = await _feed_url(client, tenant, created["id"])
    assert (await client.get(url.replace("/schedules/", "/users/"))).status_code == 404


async def test_the_user_feed_shows_only_that_users_shifts_across_schedules(client: AsyncClient, tenant: Tenant) -> None:
    me, colleague = tenant.responder.user_id, tenant.admin.user_id
    await create_schedule(client, tenant.admin, schedule_body(daily_layer(me, colleague)))
    await create_schedule(client, tenant.admin, schedule_body(daily_layer(colleague), name="Other"))
    await create_schedule(
        client, tenant.admin, schedule_body(daily_layer(me, rotation="weekly", handoff_weekday="mon"), name="Weekly")
    )
    issued = await client.post("/api/v1/me/oncall-feed-token", headers=tenant.responder.headers)
    assert issued.status_code == 201, issued.text
    feed = await client.get(issued.json()["url"], params={"weeks": 2})
    events = _events(feed.content)
    assert events
    assert all(str(e["SUMMARY"]).startswith(f"On call: Responder of {tenant.slug} (") for e in events)
    assert {str(e["SUMMARY"]).rsplit("(", 1)[1].rstrip(")") for e in events} == {"Berlin on call", "Weekly"}
    starts = [_span(e)[0] for e in events]
    assert starts == sorted(starts)
