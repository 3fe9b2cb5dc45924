"""Where the platform's own provider requests may connect.

People hand the platform URLs it later posts to: a responder's push endpoint or Mattermost webhook, an admin's SMS
gateway. A host that is, or resolves to, an address on this machine, on the private network or of the cloud's
metadata service would let them reach what only the platform can reach (server-side request forgery). Every provider
request therefore connects through :class:`GuardedTransport`: the host is resolved once, every address it resolves to
is checked, and the connection is made to a checked address itself, so a DNS answer that changes between the check
and the connect (rebinding) cannot slip through. TLS still verifies the certificate against the host name.

Operators whose gateways or chat servers live on a private network name those networks in
``SOS_EGRESS_ALLOWED_NETWORKS``. Environment proxy variables are not used for these requests: through a proxy, the
platform could not see where a request really goes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx

from sos.core.config import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    allowed_networks: tuple[Network, ...] = ()
    """Networks reachable although not public, such as the one an organization's own chat server is on."""
    allow_loopback: bool = False
    """This machine (development, tests and the local fakes of the vendors)."""

    def permits(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address.version == network.version and address in network for network in self.allowed_networks):
            return True
        if address.is_loopback:
            return self.allow_loopback
        return is_public(address)


def egress_policy(settings: Settings) -> EgressPolicy:
    """The install's policy: the networks its operator allowed, and this machine outside production."""
    return EgressPolicy(tuple(settings.egress_allowed_networks), allow_loopback=settings.environment != "production")


def is_public(address: Address) -> bool:
    """Globally routable unicast: not private, shared (CGNAT), loopback, link-local (cloud metadata), reserved,
    documentation or multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> Address | None:
    """The address a URL's host names directly (``10.0.0.5``, ``::1``), or None for a host name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, in the order the system resolver prefers them."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: EgressPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port, timeout)
        refused = [address for address in addresses if not self._policy.permits(ipaddress.ip_address(address))]
        if refused or not addresses:
            blocked = refused[0] if refused else "no address"
            raise httpcore.ConnectError(f"refused to connect to {host}: {blocked} is not a public address")
        failure: Exception = httpcore.ConnectError(f"could not connect to {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def _addresses(self, host: str, port: int, seconds: float | None) -> list[str]:
        literal = literal_address(host)
        if literal is not None:
            return [str(literal)]
        try:
            async with asyncio.timeout(seconds):
                return await self._resolver(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {seconds:g} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"could not resolve {host}: {exc.strerror or exc}") from None

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("provider requests never use Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, connecting only where ``policy`` permits."""

    def __init__(self, policy: EgressPolicy, *, limits: httpx.Limits, resolver: Resolver = resolve) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            # SSL_CERT_FILE and SSL_CERT_DIR still apply (an operator's own CA); only proxies are ignored.
            ssl_context=httpx.create_ssl_context(trust_env=True),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy, resolver),
        )
