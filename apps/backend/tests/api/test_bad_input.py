"""Bad input gets a 4xx problem+json naming the field, writes nothing, and never causes a 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from sos.alerts.models import Alert
from sos.core.container import Container
from sos.core.events import OutboxEvent
from tests.factories import Tenant, raise_sos, sos_body

JSON = {"Content-Type": "application/json"}


async def written(container: Container) -> tuple[int, int]:
    async with container.engine.connect() as connection:
        alerts = await connection.scalar(select(func.count()).select_from(Alert))
        events = await connection.scalar(select(func.count()).select_from(OutboxEvent))
    return int(alerts or 0), int(events or 0)


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["type"] == f"urn:sos:problem:{code}"
    assert problem["request_id"] == response.headers["X-Request-ID"]
    return problem


def with_location(**location: Any) -> dict[str, Any]:
    return sos_body(location={"lat": 10.0, "lon": 20.0, **location})


@pytest.mark.parametrize(
    "raw",
    ['{"location": {"lat": 1, "lon": 2}', "{location: {}}", "not json at all", '{"note": "\\ud800"', "\xff\xfe"],
    ids=["truncated", "unquoted_keys", "prose", "bad_escape", "not_utf8"],
)
async def test_malformed_json_is_a_bad_request(
    client: AsyncClient, tenant: Tenant, container: Container, raw: str
) -> None:
    response = await client.post(
        "/api/v1/alerts", content=raw.encode("utf-8", "surrogateescape"), headers=tenant.reporter.headers | JSON
    )
    assert_problem(response, 400, "malformed_body")
    assert await written(container) == (0, 0)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (with_location(lat="north"), "#/location/lat"),
        (with_location(lat="52.5"), "#/location/lat"),
        (with_location(lon=True), "#/location/lon"),
        (with_location(accuracy_m=[5]), "#/location/accuracy_m"),
        (with_location(recorded_at="yesterday"), "#/location/recorded_at"),
        (sos_body(location=[52.5, 13.4]), "#/location"),
        (sos_body(location=None), "#/location"),
        (sos_body(note=42), "#/note"),
        (sos_body(note=""), "#/note"),
        (sos_body(note="x" * 2001), "#/note"),
        (sos_body(severity="urgent"), "#/severity"),
        (sos_body(category=3), "#/category"),
        (sos_body(source="pigeon"), "#/source"),
    ],
    ids=[
        "lat_word",
        "lat_string_number",
        "lon_boolean",
        "accuracy_list",
        "recorded_at_word",
        "location_list",
        "location_null",
        "note_number",
        "note_empty",
        "note_too_long",
        "severity_unknown",
        "category_number",
        "source_unknown",
    ],
)
async def test_wrong_type_points_at_the_field(
    client: AsyncClient, tenant: Tenant, container: Container, body: dict[str, Any], pointer: str
) -> None:
    response = await client.post("/api/v1/alerts", json=body, headers=tenant.reporter.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert [(error["in"], error["pointer"]) for error in problem["errors"]] == [("body", pointer)]
    assert await written(container) == (0, 0)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (sos_body(priority="p1"), "#/priority"),
        (with_location(altitude=30), "#/location/altitude"),
    ],
    ids=["top_level", "nested"],
)
async def test_unknown_field_is_rejected(
    client: AsyncClient, tenant: Tenant, container: Container, body: dict[str, Any], pointer: str
) -> None:
    response = await client.post("/api/v1/alerts", json=body, headers=tenant.reporter.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert [(error["pointer"], error["type"]) for error in problem["errors"]] == [(pointer, "extra_forbidden")]
    assert await written(container) == (0, 0)


@pytest.mark.parametrize(
    ("location", "pointer"),
    [
        ({"lat": 90.000001, "lon": 0}, "#/location/lat"),
        ({"lat": -90.5, "lon": 0}, "#/location/lat"),
        ({"lat": 0, "lon": 180.5}, "#/location/lon"),
        ({"lat": 0, "lon": -181}, "#/location/lon"),
        ({"lat": 0, "lon": 0, "accuracy_m": -0.1}, "#/location/accuracy_m"),
        ({"lat": 0, "lon": 0, "accuracy_m": 100_001}, "#/location/accuracy_m"),
        ({"lon": 0}, "#/location/lat"),
    ],
)
async def test_coordinates_out_of_range_are_rejected(
    client: AsyncClient, tenant: Tenant, container: Container, location: dict[str, Any], pointer: str
) -> None:
    response = await client.post("/api/v1/alerts", json=sos_body(location=location), headers=tenant.reporter.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert await written(container) == (0, 0)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_coordinates_are_rejected(
    client: AsyncClient, tenant: Tenant, container: Container, literal: str
) -> None:
    raw = '{"location": {"lat": LAT, "lon": 0}}'.replace("LAT", literal)
    response = await client.post("/api/v1/alerts", content=raw, headers=tenant.reporter.headers | JSON)
    problem = assert_problem(response, 422, "validation_failed")
    assert [error["pointer"] for error in problem["errors"]] == ["#/location/lat"]
    assert await written(container) == (0, 0)


async def test_boundary_coordinates_are_accepted(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter, location={"lat": -90, "lon": 180, "accuracy_m": 0})
    assert (alert["lat"], alert["lon"], alert["accuracy_m"]) == (-90.0, 180.0, 0.0)


@pytest.mark.parametrize("body", [[], "a string", 5, None], ids=["array", "string", "number", "null"])
async def test_body_of_the_wrong_shape_is_rejected(
    client: AsyncClient, tenant: Tenant, container: Container, body: Any
) -> None:
    response = await client.post("/api/v1/alerts", content=json.dumps(body), headers=tenant.reporter.headers | JSON)
    assert_problem(response, 422, "validation_failed")
    assert await written(container) == (0, 0)


async def test_missing_body_is_rejected(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    response = await client.post("/api/v1/alerts", headers=tenant.reporter.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["type"] == "missing"
    assert await written(container) == (0, 0)


async def test_oversized_body_by_content_length_is_413(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    body = sos_body(note="x" * (container.settings.max_body_bytes + 1))
    response = await client.post("/api/v1/alerts", json=body, headers=tenant.reporter.headers)
    problem = assert_problem(response, 413, "payload_too_large")
    assert problem["max_bytes"] == container.settings.max_body_bytes
    assert await written(container) == (0, 0)


async def test_oversized_streamed_body_is_413(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    chunk = b" " * 8192

    async def stream() -> AsyncIterator[bytes]:
        yield b'{"location": {"lat": 1, "lon": 2}, "note": "'
        for _ in range(container.settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'"}'

    response = await client.post("/api/v1/alerts", content=stream(), headers=tenant.reporter.headers | JSON)
    problem = assert_problem(response, 413, "payload_too_large")
    assert problem["max_bytes"] == container.settings.max_body_bytes
    assert await written(container) == (0, 0)


async def test_bogus_content_length_is_413(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    response = await client.post(
        "/api/v1/alerts", content=b"{}", headers=tenant.reporter.headers | JSON | {"Content-Length": "-1"}
    )
    assert_problem(response, 413, "payload_too_large")
    assert await written(container) == (0, 0)


async def test_body_at_the_limit_is_accepted(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    raw = json.dumps(sos_body(note="ok")).encode()
    raw += b" " * (container.settings.max_body_bytes - len(raw))
    response = await client.post("/api/v1/alerts", content=raw, headers=tenant.reporter.headers | JSON)
    assert response.status_code == 201


# Transitions and trail points with bad input change nothing.


async def test_malformed_transition_body_changes_nothing(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/acknowledge", content=b'{"note": ', headers=tenant.coordinator.headers | JSON
    )
    assert_problem(response, 400, "malformed_body")
    stored = (await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)).json()
    assert stored["status"] == "triggered"
    assert await written(container) == (1, 1)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [({"note": "ok", "urgent": True}, "#/urgent"), ({"note": 7}, "#/note"), ({"note": "z" * 2001}, "#/note")],
    ids=["unknown_field", "note_number", "note_too_long"],
)
async def test_invalid_transition_body_changes_nothing(
    client: AsyncClient, tenant: Tenant, container: Container, body: dict[str, Any], pointer: str
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(f"/api/v1/alerts/{alert['id']}/resolve", json=body, headers=tenant.coordinator.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert await written(container) == (1, 1)


async def test_malformed_alert_id_points_at_the_path(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/api/v1/alerts/not-a-uuid", headers=tenant.coordinator.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert [(error["in"], error["pointer"]) for error in problem["errors"]] == [("path", "#/alert_id")]


async def test_bad_trail_point_writes_nothing(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/locations", json={"lat": 95, "lon": 0}, headers=tenant.reporter.headers
    )
    assert_problem(response, 422, "validation_failed")
    assert await written(container) == (1, 1)


async def test_unknown_route_is_a_problem(client: AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nowhere"), 404, "route_not_found")


async def test_wrong_method_is_a_problem(client: AsyncClient) -> None:
    assert_problem(await client.put("/api/v1/alerts"), 405, "method_not_allowed")


# Request ids.


async def test_a_request_id_is_made_when_none_is_sent(client: AsyncClient) -> None:
    response = await client.get("/livez")
    assert len(response.headers["X-Request-ID"]) == 24


async def test_a_well_formed_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/livez", headers={"X-Request-ID": "trace-1234:abc"})
    assert response.headers["X-Request-ID"] == "trace-1234:abc"


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 129, "semi;colon;id"])
async def test_a_malformed_request_id_is_replaced(client: AsyncClient, incoming: str) -> None:
    response = await client.get("/livez", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert len(response.headers["X-Request-ID"]) == 24


async def test_request_id_appears_in_the_problem_body(client: AsyncClient) -> None:
    response = await client.get("/api/v1/alerts", headers={"X-Request-ID": "req-00000042"})
    problem = assert_problem(response, 401, "not_authenticated")
    assert problem["request_id"] == "req-00000042"
    assert problem["instance"] == "/api/v1/alerts"


@pytest.mark.parametrize("recorded_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1900-01-01T00:00Z"])
async def test_an_impossible_fix_time_is_refused_and_nothing_written(
    client: AsyncClient, tenant: Tenant, container: Container, recorded_at: str
) -> None:
    response = await client.post(
        "/api/v1/alerts", json=with_location(recorded_at=recorded_at), headers=tenant.reporter.headers
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == "#/location/recorded_at"
    assert await written(container) == (0, 0)


async def test_an_impossible_time_window_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        "/api/v1/alerts", params={"created_before": "9999-12-31T23:59:59-05:00"}, headers=tenant.coordinator.headers
    )
    assert_problem(response, 422, "validation_failed")


async def test_a_nul_character_in_text_is_refused_on_its_field(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    response = await client.post("/api/v1/alerts", json=sos_body(note="help\u0000"), headers=tenant.reporter.headers)
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["pointer"] == "#/note"
    assert await written(container) == (0, 0)


async def test_a_nul_character_in_a_login_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    form = {"grant_type": "password", "username": "x\u0000@example.com", "password": "whatever password"}
    response = await client.post("/api/v1/auth/token", data=form)
    assert_problem(response, 422, "validation_failed")


async def test_an_absurdly_long_if_match_is_a_bad_request(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.post(
        f"/api/v1/alerts/{alert['id']}/acknowledge",
        headers=tenant.coordinator.headers | {"If-Match": '"' + "9" * 5000 + '"'},
    )
    assert_problem(response, 400, "validation_failed")
