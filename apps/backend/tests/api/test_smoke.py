from httpx import AsyncClient

from tests.factories import Tenant, raise_sos


async def test_raised_sos_can_be_read_back(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    response = await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.reporter.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "triggered"
