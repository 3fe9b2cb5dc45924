"""Provider requests connect only to public addresses (plus what the operator allows), checked after resolving the
host and pinned to the checked address."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from sos.core.container import Container
from sos.providers.egress import EgressPolicy, GuardedTransport, Resolver
from sos.providers.runtime import DeliveryRuntime

LIMITS = httpx.Limits(max_connections=5)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, not one to bind
        "224.0.0.1",
        "192.0.2.1",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not EgressPolicy().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.4.4"])
def test_public_addresses_are_permitted(address: str) -> None:
    assert EgressPolicy().permits(ipaddress.ip_address(address))


def test_an_allowed_network_is_reachable_and_its_neighbours_are_not() -> None:
    policy = EgressPolicy(allowed_networks=(ipaddress.ip_network("10.20.0.0/16"),))
    assert policy.permits(ipaddress.ip_address("10.20.5.6"))
    assert not policy.permits(ipaddress.ip_address("10.21.0.1"))


def test_this_machine_is_reachable_only_when_allowed() -> None:
    assert EgressPolicy(allow_loopback=True).permits(ipaddress.ip_address("127.0.0.1"))
    assert not EgressPolicy(allow_loopback=True).permits(ipaddress.ip_address("169.254.169.254"))


class HostRecorder:
    """A loopback HTTP server answering 204 and noting each request's Host header."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.port = 0

    async def __aenter__(self) -> HostRecorder:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        self.hosts += [line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("host:")]
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest.fixture
async def recorder() -> AsyncIterator[HostRecorder]:
    async with HostRecorder() as server:
        yield server


def resolving(answers: dict[str, list[str]]) -> tuple[Resolver, list[str]]:
    asked: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return answers[host]

    return resolver, asked


def client(policy: EgressPolicy, resolver: Resolver) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=GuardedTransport(policy, limits=LIMITS, resolver=resolver), timeout=5)


async def test_a_host_resolving_to_a_private_address_is_refused() -> None:
    resolver, asked = resolving({"chat.example.test": ["10.1.2.3"]})
    async with client(EgressPolicy(), resolver) as http:
        with pytest.raises(httpx.ConnectError, match=r"chat\.example\.test: 10\.1\.2\.3 is not a public address"):
            await http.post("https://chat.example.test/hooks/abc", json={})
    assert asked == ["chat.example.test"]


async def test_one_private_answer_among_public_ones_refuses_the_host() -> None:
    resolver, _ = resolving({"mixed.example.test": ["8.8.8.8", "169.254.169.254"]})
    async with client(EgressPolicy(), resolver) as http:
        with pytest.raises(httpx.ConnectError, match=r"169\.254\.169\.254 is not a public address"):
            await http.get("https://mixed.example.test/")


async def test_a_literal_metadata_address_is_refused_without_resolving() -> None:
    resolver, asked = resolving({})
    async with client(EgressPolicy(), resolver) as http:
        with pytest.raises(httpx.ConnectError, match="not a public address"):
            await http.get("http://169.254.169.254/latest/meta-data/")
    assert asked == []


async def test_the_connection_goes_to_the_checked_address_under_the_original_host_name(
    recorder: HostRecorder,
) -> None:
    # The system cannot resolve this name: only the guard's own answer can have led the request here.
    resolver, _ = resolving({"push.example.test": ["127.0.0.1"]})
    async with client(EgressPolicy(allow_loopback=True), resolver) as http:
        response = await http.post(f"http://push.example.test:{recorder.port}/send", content=b"x")
    assert response.status_code == 204
    assert recorder.hosts == [f"push.example.test:{recorder.port}"]


async def test_an_unresolvable_host_is_a_connection_error() -> None:
    async def failing(_host: str, _port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    async with client(EgressPolicy(), failing) as http:
        with pytest.raises(httpx.ConnectError, match=r"could not resolve nowhere\.example\.test"):
            await http.get("https://nowhere.example.test/")


@asynccontextmanager
async def runtime_with(container: Container, **settings: Any) -> AsyncIterator[DeliveryRuntime]:
    runtime = DeliveryRuntime(container.settings.model_copy(update=settings), container.uow_factory)
    try:
        yield runtime
    finally:
        await runtime.close()


async def test_a_production_install_cannot_reach_this_machine_through_its_providers(
    container: Container, recorder: HostRecorder
) -> None:
    async with runtime_with(container, environment="production") as runtime:
        with pytest.raises(httpx.ConnectError, match=r"127\.0\.0\.1 is not a public address"):
            await runtime.http.get(f"http://127.0.0.1:{recorder.port}/")
    assert recorder.hosts == []


async def test_outside_production_the_providers_reach_the_local_fakes(
    container: Container, recorder: HostRecorder
) -> None:
    async with runtime_with(container) as runtime:
        assert (await runtime.http.get(f"http://127.0.0.1:{recorder.port}/")).status_code == 204


async def test_an_operator_allowed_network_is_reachable_in_production(
    container: Container, recorder: HostRecorder
) -> None:
    allowed = [ipaddress.ip_network("127.0.0.0/8")]
    async with runtime_with(container, environment="production", egress_allowed_networks=allowed) as runtime:
        assert (await runtime.http.get(f"http://127.0.0.1:{recorder.port}/")).status_code == 204
