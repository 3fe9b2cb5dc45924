"""Fan-out across API replicas through a real Redis: two uvicorn processes share one database and one Redis.

An SOS raised through one replica reaches a stream held on the other. When Redis dies, open streams are told
``unavailable`` and closed, new ones get 503 with Retry-After, and once Redis is back (empty: it keeps nothing on
disk) streams open again, a cursor from before resyncs, and changes flow across replicas as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from sos.core.container import Container
from tests.factories import Tenant, make_tenant, sos_body
from tests.stream.processes import RedisServer, Replica, replica_environment
from tests.stream.support import TLS, EventReader, open_stream

RECOVERY_SECONDS = 15.0


@dataclass
class Replicas:
    tenant: Tenant
    redis: RedisServer
    first: Replica
    second: Replica


@pytest.fixture(scope="module")
async def replicas(
    database_url: str, container: Container, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Replicas]:
    workdir = tmp_path_factory.mktemp("replicas")
    redis = RedisServer(workdir)
    redis.start()
    await redis.listening()
    environment = replica_environment(database_url, workdir, redis.url)
    first, second = (Replica(environment, workdir / f"replica-{index}.log") for index in (1, 2))
    # The replicas share this session's database; its own relay must not take their events.
    await container.relay.stop()
    try:
        first.start()
        second.start()
        tenant = await make_tenant(container, "replicas")
        await asyncio.gather(first.ready(), second.ready())
        yield Replicas(tenant, redis, first, second)
    finally:
        first.stop()
        second.stop()
        redis.kill()
        container.relay.start()


async def raise_through(replica: Replica, tenant: Tenant) -> str:
    async with httpx.AsyncClient(base_url=replica.url, verify=TLS, timeout=10) as http:
        response = await http.post("/api/v1/alerts", json=sos_body(), headers=tenant.reporter.headers)
    assert response.status_code == 201, response.text
    alert_id: str = response.json()["id"]
    return alert_id


async def triggered(stream: EventReader, alert_id: str) -> None:
    while True:
        event = await stream.next()
        if event.type == "alert.triggered" and event.data["alert_id"] == alert_id:
            return


async def test_an_sos_raised_through_one_replica_reaches_a_stream_on_the_other(replicas: Replicas) -> None:
    tenant = replicas.tenant
    async with open_stream(replicas.second.url, tenant.coordinator.token) as stream:
        await stream.until("ready")
        alert_id = await raise_through(replicas.first, tenant)
        await triggered(stream, alert_id)


async def test_streams_fall_back_while_redis_is_down_and_recover_when_it_is_back(replicas: Replicas) -> None:
    tenant, redis = replicas.tenant, replicas.redis
    async with open_stream(replicas.second.url, tenant.coordinator.token) as stream:
        cursor = (await stream.until("ready"))[-1].data["cursor"]
        redis.kill()
        unavailable = await stream.next()
        assert await stream.ended()
    assert unavailable.name == "unavailable"
    assert unavailable.data["retry_after"] > 0

    async with open_stream(replicas.second.url, tenant.coordinator.token, expect=503) as refused:
        problem = refused.response.json()
        retry_after = refused.response.headers["retry-after"]
    assert (problem["status"], problem["code"]) == (503, "service_unavailable")
    assert int(retry_after) == problem["retry_after"] > 0

    redis.start()
    await redis.listening()
    await until_streams_open(replicas.second, tenant)
    # Redis came back empty: a cursor from before cannot be trusted.
    async with open_stream(replicas.second.url, tenant.coordinator.token, last_event_id=cursor) as stream:
        resync = await stream.next()
        await stream.until("ready")
        await until_streams_open(replicas.first, tenant)
        alert_id = await raise_through(replicas.first, tenant)
        await triggered(stream, alert_id)
    assert (resync.name, resync.data) == ("resync", {"reason": "stream_reset"})


async def until_streams_open(replica: Replica, tenant: Tenant) -> None:
    """Clients retry with backoff; this retries quickly, within a bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECOVERY_SECONDS
    async with httpx.AsyncClient(base_url=replica.url, verify=TLS, timeout=httpx.Timeout(5, read=None)) as http:
        while True:
            async with http.stream("GET", "/api/v1/stream", headers=tenant.coordinator.headers) as response:
                if response.status_code == 200:
                    return
            if loop.time() > deadline:
                raise AssertionError(f"streams on {replica.url} did not reopen within {RECOVERY_SECONDS} s")
            await asyncio.sleep(0.1)
