"""GET /api/v1/analytics/response-times: MTTA and MTTR of the caller's organization."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from sos.analytics.service import percentile
from sos.core.container import Container
from tests.analytics.support import lifecycle, project
from tests.factories import Tenant

PATH = "/api/v1/analytics/response-times"


async def _seed(container: Container, tenant: Tenant) -> None:
    """Four high alerts acknowledged after 10, 20, 30 and 100 s, and one low alert never acknowledged."""
    events = []
    for seconds, resolve in ((10, 100), (20, 200), (30, None), (100, 400)):
        events += lifecycle(tenant.organization_id, acknowledge_after=seconds, resolve_after=resolve)[1]
    events += lifecycle(tenant.organization_id, severity="low", triggered_at_offset=3600)[1]
    await project(container, *events)


async def _report(client: AsyncClient, tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await client.get(PATH, params=params, headers=tenant.coordinator.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_report_gives_mean_and_percentiles_of_both_durations(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _seed(container, tenant)
    report = await _report(client, tenant)
    assert report["organization_id"] == str(tenant.organization_id)
    assert report["alerts"] == 5
    assert report["mtta"] == {"count": 4, "mean_seconds": 40.0, "p50_seconds": 25.0, "p90_seconds": 79.0}
    assert report["mttr"] == {"count": 3, "mean_seconds": 233.333, "p50_seconds": 200.0, "p90_seconds": 360.0}


async def test_the_severity_filter_narrows_the_sample(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _seed(container, tenant)
    report = await _report(client, tenant, severity="low")
    assert (report["alerts"], report["severity"]) == (1, ["low"])
    assert report["mtta"] == {"count": 0, "mean_seconds": None, "p50_seconds": None, "p90_seconds": None}


async def test_the_window_counts_alerts_by_trigger_time(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await _seed(container, tenant)
    report = await _report(client, tenant, triggered_after="2026-03-01T12:30:00Z", triggered_before="2026-03-02T00:00Z")
    assert report["alerts"] == 1
    early = await _report(client, tenant, triggered_before="2026-03-01T13:00:00+01:00")
    assert early["alerts"] == 0


async def test_another_organizations_alerts_are_not_counted(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _seed(container, tenant)
    report = await _report(client, other_tenant)
    assert (report["alerts"], report["mtta"]["count"], report["mttr"]["count"]) == (0, 0, 0)


async def test_an_inverted_window_is_a_422_naming_the_field(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    response = await client.get(
        PATH,
        params={"triggered_after": "2026-03-02T00:00:00Z", "triggered_before": "2026-03-01T00:00:00Z"},
        headers=tenant.admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/triggered_before"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"severity": "apocalyptic"}, "severity"), ({"triggered_after": "2026-03-01T00:00:00"}, "triggered_after")],
)
async def test_a_bad_filter_is_a_422_naming_it(
    client: AsyncClient, container: Container, tenant: Tenant, params: dict[str, str], field: str
) -> None:
    response = await client.get(PATH, params=params, headers=tenant.admin.headers)
    assert response.status_code == 422
    assert field in response.text


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([5.0], 0.9, 5.0), ([1.0, 2.0], 0.5, 1.5), ([10.0, 20.0, 30.0, 100.0], 0.9, 79.0)],
)
def test_percentiles_interpolate_between_ranks(values: list[float], fraction: float, expected: float) -> None:
    assert percentile(values, fraction) == pytest.approx(expected)
