"""Road ETAs from an OSRM-compatible table service (OSRM, Valhalla's OSRM mode, GraphHopper's matrix shim).

One request per ranking: ``GET {url}/table/v1/driving/{alert};{responder 1};...;{responder n}
?sources=1;...;n&destinations=0&annotations=duration`` answers the driving time of each responder to the alert.
Any failure (timeout, refused connection, an error status, an answer that does not parse) raises
:class:`RoutingUnavailable`, and dispatch ranks by straight-line distance instead, saying so in the reason.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from sos.core.config import Settings
from sos.dispatch.domain import Point

logger = logging.getLogger("sos.dispatch.routing")


class RoutingUnavailable(Exception):
    """The routing service gave no usable answer; ``reason`` is a short phrase for the timeline."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def _client() -> httpx.AsyncClient:
    """One client per event loop: building a client (its TLS context) costs more than a routing request."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=10))
    return client


def _coordinate(point: Point) -> str:
    return f"{point.lon:.6f},{point.lat:.6f}"


def _durations(answer: Any, count: int) -> list[float | None]:
    if not isinstance(answer, dict) or answer.get("code") != "Ok":
        code = answer.get("code") if isinstance(answer, dict) else None
        raise RoutingUnavailable(f"routing answered {code or 'an unknown error'}")
    rows = answer.get("durations")
    if not isinstance(rows, list) or len(rows) != count:
        raise RoutingUnavailable("routing answer did not match the request")
    durations: list[float | None] = []
    for row in rows:
        if not isinstance(row, list) or len(row) != 1:
            raise RoutingUnavailable("routing answer did not match the request")
        value = row[0]
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
            raise RoutingUnavailable("routing answer did not match the request")
        durations.append(float(value) if value is not None else None)
    return durations


@dataclass(frozen=True, slots=True)
class Routing:
    url: str
    timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Routing | None:
        """The configured routing service, or ``None`` when ``SOS_ROUTING_URL`` is empty."""
        if not settings.routing_url:
            return None
        return cls(settings.routing_url.rstrip("/"), settings.routing_timeout_seconds)

    async def durations_to(self, destination: Point, sources: Sequence[Point]) -> list[float | None]:
        """Driving seconds from each source to ``destination``, ``None`` where no road leads there."""
        if not sources:
            return []
        coordinates = ";".join(_coordinate(point) for point in (destination, *sources))
        source_indexes = ";".join(str(index) for index in range(1, len(sources) + 1))
        # Built by hand: OSRM separates indexes with ';', which a query encoder would escape.
        url = f"{self.url}/table/v1/driving/{coordinates}?sources={source_indexes}&destinations=0&annotations=duration"
        client = _client()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                response = await client.get(url, timeout=self.timeout_seconds)
                response.raise_for_status()
                answer = response.json()
        except TimeoutError as exc:
            raise RoutingUnavailable(f"routing timed out after {self.timeout_seconds:g} s") from exc
        except httpx.TimeoutException as exc:
            raise RoutingUnavailable(f"routing timed out after {self.timeout_seconds:g} s") from exc
        except httpx.HTTPStatusError as exc:
            raise RoutingUnavailable(f"routing answered HTTP {exc.response.status_code}") from exc
        except httpx.HTTPError as exc:
            raise RoutingUnavailable("routing unreachable") from exc
        except ValueError as exc:
            raise RoutingUnavailable("routing answer was not JSON") from exc
        try:
            return _durations(answer, len(sources))
        except RoutingUnavailable as exc:
            logger.warning("the routing service gave an unusable answer: %s", exc.reason)
            raise
